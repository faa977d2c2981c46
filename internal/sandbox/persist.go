package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// loadWorld reads a state file. A missing file is an empty world (nil, nil);
// a file that exists but cannot be decoded is refused, never replaced.
func loadWorld(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read sandbox state %s: %w", path, err)
	}
	var w World
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("sandbox state %s is corrupt (%v); refusing to start over it: move it away to start with an empty world", path, err)
	}
	if w.Version < minStateVersion || w.Version > stateVersion {
		return nil, fmt.Errorf("sandbox state %s has version %d, this sandbox reads versions %d to %d; move it away to start with an empty world", path, w.Version, minStateVersion, stateVersion)
	}
	w.Version = stateVersion
	w.ensureMaps()
	return &w, nil
}

// persistLocked writes the world atomically: a temporary file in the same
// directory, fsynced, then renamed over the state file. Callers hold s.mu.
func (s *Server) persistLocked() error {
	path := s.opts.StateFile
	if path == "" {
		return nil
	}
	data, err := json.Marshal(s.world)
	if err != nil {
		return fmt.Errorf("encode sandbox state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write sandbox state: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write sandbox state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write sandbox state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write sandbox state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write sandbox state: %w", err)
	}
	return nil
}

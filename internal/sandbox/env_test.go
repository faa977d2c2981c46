package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// testEnv is an in-process sandbox on a fake clock with a real godo client
// pointed at it. Every endpoint test goes through godo, never hand-made HTTP,
// so what passes here is what godo-based tools see.
type testEnv struct {
	t      *testing.T
	srv    *Server
	http   *httptest.Server
	clock  *FakeClock
	client *godo.Client
	wire   *bearer
	ctx    context.Context
}

var testEpoch = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// newTestEnv starts a sandbox at time scale 1 on a fake clock; tests move
// time with env.advance. Options may be adjusted by the mutators.
func newTestEnv(t *testing.T, mutators ...func(*Options)) *testEnv {
	t.Helper()
	clock := NewFakeClock(testEpoch)
	opts := Options{Token: "test-token", Clock: clock, Seed: 1}
	for _, m := range mutators {
		m(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("new sandbox: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close()
	})
	client, wire := newGodo(t, hs.URL, opts.Token)
	return &testEnv{
		t:      t,
		srv:    srv,
		http:   hs,
		clock:  clock,
		client: client,
		wire:   wire,
		ctx:    context.Background(),
	}
}

// newGodo returns a godo client without godo's own retries, so tests see
// every status the sandbox answers.
func newGodo(t *testing.T, baseURL, token string) (*godo.Client, *bearer) {
	t.Helper()
	wire := &bearer{token: token}
	hc := &http.Client{Transport: wire, Timeout: 30 * time.Second}
	c, err := godo.New(hc, godo.SetBaseURL(baseURL))
	if err != nil {
		t.Fatalf("godo client: %v", err)
	}
	return c, wire
}

// bearer adds the token and remembers the last error body, because godo's
// ErrorResponse drops DigitalOcean's error id.
type bearer struct {
	token string
	mu    sync.Mutex
	last  []byte
}

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.last = body
	b.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// lastErrorID is the "id" of the last error body the client received.
func (b *bearer) lastErrorID() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var e struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b.last, &e)
	return e.ID
}

// advance moves the fake clock by a realistic duration (scaled like every
// sandbox delay).
func (e *testEnv) advance(d time.Duration) { e.clock.Advance(scale(d, e.srv.factor)) }

// apiError asserts err is a DigitalOcean error with the status and id.
func (e *testEnv) apiError(err error, status int, id string) *godo.ErrorResponse {
	e.t.Helper()
	var er *godo.ErrorResponse
	if !errors.As(err, &er) {
		e.t.Fatalf("want a %d %s error, got %v", status, id, err)
	}
	if er.Response.StatusCode != status {
		e.t.Fatalf("want status %d, got %d (%s)", status, er.Response.StatusCode, er.Message)
	}
	if got := e.wire.lastErrorID(); got != id {
		e.t.Errorf("want error id %q, got %q (%s)", id, got, er.Message)
	}
	if er.RequestID == "" {
		e.t.Errorf("error %q has no request_id", er.Message)
	}
	return er
}

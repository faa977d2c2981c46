package doclient

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// sharedKey is what makes two configurations the same client: everything
// but the log sink (the provider's is always the same).
type sharedKey struct {
	endpoint, token            string // token as a hash: the map never holds secrets
	retryMax                   int
	retryWaitMin, retryWaitMax time.Duration
	requestsPerSecond          float64
	rateWindow, poll           time.Duration
	perMinute                  int
	userAgent                  string
}

var (
	sharedMu sync.Mutex
	shared   = map[sharedKey]*Client{}
)

// Shared returns the process's client for cfg: every provider instance
// configured alike, and so every tier, shares its readers (one list serves
// all concurrent reads, see readers.go) and its token's rate budget. A
// configuration with its own HTTPClient (tests) gets a client of its own,
// which still shares the token's budget.
func Shared(cfg Config) (*Client, error) {
	if cfg.HTTPClient != nil {
		return New(cfg)
	}
	sum := sha256.Sum256([]byte(cfg.Token))
	key := sharedKey{
		endpoint: cfg.Endpoint, token: hex.EncodeToString(sum[:]),
		retryMax: cfg.RetryMax, retryWaitMin: cfg.RetryWaitMin, retryWaitMax: cfg.RetryWaitMax,
		requestsPerSecond: cfg.RequestsPerSecond, rateWindow: cfg.RateWindow, poll: cfg.Poll,
		perMinute: cfg.RateLimitPerMinute, userAgent: cfg.UserAgent,
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if c, ok := shared[key]; ok {
		return c, nil
	}
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	shared[key] = c
	return c, nil
}

// Package doclient implements tier.Cloud with godo: batched creates that are
// safe to retry, list-by-tag polling, action waits, retries with backoff,
// and a rate budget shared by every client of a token in the process.
package doclient

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/digitalocean/godo"
	"golang.org/x/time/rate"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// Config configures a Client.
type Config struct {
	Token    string
	Endpoint string // API base URL; empty for https://api.digitalocean.com
	// RetryMax is how many times a failed request (429, 5xx, network) is
	// retried; RetryWaitMin/Max bound the exponential backoff.
	RetryMax     int
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// RequestsPerSecond paces requests client-side; 0 leaves pacing to the
	// API's rate-limit headers.
	RequestsPerSecond float64
	// RateWindow is the length of DigitalOcean's per-minute window at this
	// endpoint (a minute, times the sandbox's time scale); 0 leaves the
	// per-minute budget to the 429 answers. RateLimitPerMinute is its size;
	// 0 means DigitalOcean's 250.
	RateWindow         time.Duration
	RateLimitPerMinute int
	// CoalesceWindow is how long concurrent reads of one kind are gathered
	// into one list call (see coalescer); default 100 ms.
	CoalesceWindow time.Duration
	// Poll is the interval of action and status polls.
	Poll      time.Duration
	UserAgent string
	// HTTPClient overrides the transport (tests); its Timeout is kept.
	HTTPClient *http.Client
	// Logf receives one line per retry; never request bodies.
	Logf func(ctx context.Context, msg string, fields map[string]any)
}

// Client talks to DigitalOcean (or the sandbox).
type Client struct {
	godo    *godo.Client
	cfg     Config
	limiter *rate.Limiter
	budget  *rateBudget // shared by every client of the token in the process
	readers *readers
}

// New builds a client. godo's own retries stay off: they would re-send a
// POST after a 5xx and could double droplets; this package retries itself.
func New(cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("no API token")
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = time.Second
	}
	if cfg.RetryWaitMax < cfg.RetryWaitMin {
		cfg.RetryWaitMax = max(30*time.Second, cfg.RetryWaitMin)
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if cfg.RateLimitPerMinute <= 0 {
		cfg.RateLimitPerMinute = 250
	}
	budget := budgetFor(cfg.Endpoint, cfg.Token, cfg.RateLimitPerMinute, cfg.RateWindow)
	hc = &http.Client{Transport: &bearer{token: cfg.Token, base: &budgeted{budget: budget, base: base}}, Timeout: hc.Timeout}
	opts := []godo.ClientOpt{}
	if cfg.Endpoint != "" {
		opts = append(opts, godo.SetBaseURL(strings.TrimRight(cfg.Endpoint, "/")))
	}
	if cfg.UserAgent != "" {
		opts = append(opts, godo.SetUserAgent(cfg.UserAgent))
	}
	g, err := godo.New(hc, opts...)
	if err != nil {
		return nil, fmt.Errorf("api endpoint %q: %w", cfg.Endpoint, err)
	}
	if cfg.CoalesceWindow <= 0 {
		cfg.CoalesceWindow = defaultCoalesceWindow
	}
	c := &Client{godo: g, cfg: cfg, budget: budget}
	c.readers = c.newReaders(cfg.CoalesceWindow)
	if cfg.RequestsPerSecond > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), max(1, int(math.Ceil(cfg.RequestsPerSecond))))
	}
	return c, nil
}

// Godo exposes the underlying client (tests and data sources).
func (c *Client) Godo() *godo.Client { return c.godo }

type bearer struct {
	token string
	base  http.RoundTripper
}

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// call runs one API request with the rate budget and retries. 429 means
// DigitalOcean did not process the request, so it is retried for any
// method, after the reset the response names. 5xx and network errors are
// retried only when idempotent: a POST may have been done.
func (c *Client) call(ctx context.Context, op string, idempotent bool, f func(context.Context) (*godo.Response, error)) (*godo.Response, error) {
	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
		}
		resp, err := f(ctx) // the transport waits for room in the rate budget
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, fmt.Errorf("%s: %s during the request: %w: %w", op, interrupted(ctx), ctx.Err(), err)
		}
		status := statusOf(resp, err)
		retry := status == http.StatusTooManyRequests || (idempotent && (status >= 500 || status == 0))
		if !retry || attempt >= c.cfg.RetryMax {
			return resp, err
		}
		wait := c.backoff(attempt)
		if status == http.StatusTooManyRequests && resp != nil && !resp.Reset.IsZero() {
			if d := time.Until(resp.Rate.Reset.Time); d > 0 {
				wait = d
			}
		}
		c.logf(ctx, "retrying after error", map[string]any{"op": op, "status": status, "attempt": attempt + 1, "wait": wait.String(), "error": err.Error()})
		if serr := tier.Sleep(ctx, wait); serr != nil {
			return resp, fmt.Errorf("%s: %s while waiting to retry: %w: %w", op, interrupted(ctx), serr, err)
		}
	}
}

// backoff is exponential between RetryWaitMin and RetryWaitMax, with jitter.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.RetryWaitMin * time.Duration(1<<min(attempt, 16))
	if d > c.cfg.RetryWaitMax || d <= 0 {
		d = c.cfg.RetryWaitMax
	}
	jitter := time.Duration(rand.Int64N(int64(d)/4 + 1))
	return min(d/2+d/4+jitter, c.cfg.RetryWaitMax)
}

func (c *Client) logf(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf(ctx, msg, fields)
	}
}

// statusOf is the HTTP status of a call: from the response, or, because
// some godo methods return no response with an error, from the error. 0
// means no answer at all.
func statusOf(resp *godo.Response, err error) int {
	if resp != nil && resp.Response != nil {
		return resp.StatusCode
	}
	var er *godo.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// isNotFound reports a 404 from DigitalOcean.
func isNotFound(resp *godo.Response, err error) bool {
	return err != nil && statusOf(resp, err) == http.StatusNotFound
}

// outcomeUnknown reports a failure after which a POST may or may not have
// been carried out: a 5xx or no answer at all.
func outcomeUnknown(resp *godo.Response, err error) bool {
	if err == nil {
		return false
	}
	s := statusOf(resp, err)
	return s == 0 || s >= 500
}

// createOnce runs a create whose request DigitalOcean may carry out even
// when the client hears a 5xx or nothing: after such an answer it asks find
// whether the object exists before creating again, so it is made at most
// once. Transient failures are retried until ctx's deadline (see
// retryCreate); a refusal (4xx other than 429) is final.
func createOnce[T any](ctx context.Context, c *Client, op string, create func(context.Context) (T, *godo.Response, error), find func(context.Context) (T, bool)) (T, error) {
	var zero T
	start := time.Now()
	var previous error // the last attempt's failure, for an error at the deadline
	for attempt := 0; ; attempt++ {
		var made T
		resp, err := c.call(ctx, op, false, func(ctx context.Context) (*godo.Response, error) {
			var resp *godo.Response
			var err error
			made, resp, err = create(ctx)
			return resp, err
		})
		if err == nil {
			return made, nil
		}
		if !transient(resp, err) || ctx.Err() != nil {
			return zero, withPrevious(ctx, err, previous, attempt, start)
		}
		previous = err
		if outcomeUnknown(resp, err) {
			if found, ok := find(unbatched(ctx)); ok {
				c.logf(ctx, "create answered with an error but the object exists", map[string]any{"op": op, "error": err.Error()})
				return found, nil
			}
		}
		if err := c.retryCreate(ctx, op, start, attempt, err); err != nil {
			return zero, err
		}
	}
}

// withPrevious names the attempts before a create that the deadline cut
// short mid-request: the error then says what kept failing.
func withPrevious(ctx context.Context, err, previous error, attempt int, start time.Time) error {
	if ctx.Err() == nil || previous == nil {
		return err
	}
	return fmt.Errorf("%w; %d attempts in %s before it, the last failing with: %v", err, attempt, time.Since(start).Round(time.Millisecond), previous)
}

// transient reports a failure DigitalOcean may clear by itself: 429 (the
// request was not processed), a 5xx or no answer at all.
func transient(resp *godo.Response, err error) bool {
	return statusOf(resp, err) == http.StatusTooManyRequests || outcomeUnknown(resp, err)
}

// retryCreate waits before the next attempt of a create that is reconciled
// before every attempt, so retrying cannot make anything twice: it goes on
// until ctx's deadline (the create or update timeout), with capped
// exponential backoff, as a failed create would taint the whole tier. A
// ctx without a deadline keeps RetryMax as the bound. It returns an error
// when no attempt is left; the caller names the operation, op is for the
// log.
func (c *Client) retryCreate(ctx context.Context, op string, start time.Time, attempt int, last error) error {
	deadline, hasDeadline := ctx.Deadline()
	if !hasDeadline && attempt >= c.cfg.RetryMax {
		return last
	}
	wait := c.backoff(attempt)
	took := time.Since(start).Round(time.Millisecond)
	if hasDeadline && time.Until(deadline) < wait {
		return fmt.Errorf("still failing after %d attempts in %s, and the timeout leaves no time for another: %w: %w",
			attempt+1, took, context.DeadlineExceeded, last)
	}
	c.logf(ctx, "retrying create", map[string]any{"op": op, "attempt": attempt + 1, "wait": wait.String(), "error": last.Error()})
	if err := tier.Sleep(ctx, wait); err != nil {
		return fmt.Errorf("still failing after %d attempts in %s when %s: %w: %w", attempt+1, took, interrupted(ctx), err, last)
	}
	return nil
}

// interrupted says why ctx ended, for errors.
func interrupted(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "the timeout came"
	}
	return "the operation was cancelled"
}

// clockSkew is how far DigitalOcean's clock may be behind ours when a
// reconcile asks whether an object was made after a request was sent.
const clockSkew = 5 * time.Second

// parseTime reads an RFC 3339 time; zero when absent or malformed.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// listAll walks every page of a list endpoint at 200 per page.
func listAll[T any](ctx context.Context, c *Client, op string, page func(context.Context, *godo.ListOptions) ([]T, *godo.Response, error)) ([]T, error) {
	var out []T
	opt := &godo.ListOptions{Page: 1, PerPage: 200}
	for {
		var items []T
		resp, err := c.call(ctx, op, true, func(ctx context.Context) (*godo.Response, error) {
			var resp *godo.Response
			var err error
			items, resp, err = page(ctx, opt)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() {
			return out, nil
		}
		cur, err := resp.Links.CurrentPage()
		if err != nil {
			return nil, fmt.Errorf("%s: read page links: %w", op, err)
		}
		opt.Page = cur + 1
	}
}

var _ tier.Cloud = (*Client)(nil)

package console

import (
	"crypto/subtle"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

//go:embed assets
var assets embed.FS

var loginPage = template.Must(template.ParseFS(assets, "assets/login.html"))

// pageSecurity keeps the page to its own embedded script and styles.
func pageSecurity(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// page serves the console, or the token form without a session.
func (c *Console) page(w http.ResponseWriter, r *http.Request) {
	pageSecurity(w)
	if !c.hasSession(r) && !c.hasBearer(r) {
		c.showLogin(w, http.StatusUnauthorized, "")
		return
	}
	c.start()
	buf, _ := assets.ReadFile("assets/index.html")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf)
}

func (c *Console) showLogin(w http.ResponseWriter, status int, problem string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, struct{ Action, Problem string }{Prefix + "/login", problem})
}

// login checks the token from the form and keeps a session in a cookie
// only the console's paths receive, out of the page's script's reach.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	pageSecurity(w)
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	token := strings.TrimSpace(r.PostFormValue("token"))
	if subtle.ConstantTimeCompare([]byte(token), []byte(c.opts.Token)) != 1 {
		c.showLogin(w, http.StatusUnauthorized, "That is not this sandbox's token: it is the DIGITALOCEAN_TOKEN the sandbox printed when it started.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: c.session, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// snapshot answers the latest snapshot.
func (c *Console) snapshot(w http.ResponseWriter, _ *http.Request) {
	c.start()
	buf, _, _ := c.current()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(buf)
}

// events streams every new snapshot as a server-sent event until the
// viewer leaves or the console closes.
func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming is not supported here")
		return
	}
	if !c.openStream() {
		writeError(w, http.StatusServiceUnavailable, "Too many console streams are open; close a tab or poll "+Prefix+"/snapshot.")
		return
	}
	defer c.closeStream()
	c.start()
	w.Header().Set("Content-Type", "text/event-stream")
	_, _ = w.Write([]byte("retry: 2000\n\n"))
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	var sent uint64
	for {
		buf, seq, updated := c.current()
		if seq != sent {
			if _, err := w.Write(append(append([]byte("event: snapshot\ndata: "), buf...), '\n', '\n')); err != nil {
				return
			}
			flusher.Flush()
			sent = seq
		}
		select {
		case <-r.Context().Done():
			return
		case <-c.stop:
			return
		case <-keepalive.C:
			if _, err := w.Write([]byte(": keepalive\n\n")); err != nil {
				return
			}
			flusher.Flush()
		case <-updated:
		}
	}
}

func (c *Console) openStream() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.streams >= maxStreams {
		return false
	}
	c.streams++
	return true
}

func (c *Console) closeStream() {
	c.mu.Lock()
	c.streams--
	c.mu.Unlock()
}

// addStep appends a demo step to the timeline.
func (c *Console) addStep(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "step body: "+err.Error()+`; send {"text":"..."}`)
		return
	}
	text := strings.TrimSpace(in.Text)
	switch {
	case text == "":
		writeError(w, http.StatusUnprocessableEntity, "text is required: what the demo does next")
		return
	case len(text) > maxStepText || !utf8.ValidString(text):
		writeError(w, http.StatusUnprocessableEntity, "text must be UTF-8 of at most 500 bytes")
		return
	}
	step := Step{At: time.Now().UTC(), Text: text}
	c.steps.add(step)
	c.start()
	c.refresh()
	writeJSON(w, http.StatusCreated, map[string]any{"step": step})
}

func (c *Console) listSteps(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"steps": nonNil(c.steps.list())})
}

// asset serves the page's embedded script and styles; they hold no data.
func (c *Console) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	ctype, ok := types[path.Ext(name)]
	buf, err := assets.ReadFile("assets/" + name)
	if !ok || err != nil || strings.Contains(name, "/") {
		writeError(w, http.StatusNotFound, "no console asset "+name)
		return
	}
	w.Header().Set("Content-Type", ctype)
	_, _ = w.Write(buf)
}

// writeError answers in the shape of the sandbox's errors.
func writeError(w http.ResponseWriter, status int, msg string) {
	id := map[int]string{400: "bad_request", 401: "unauthorized", 404: "not_found", 422: "unprocessable_entity", 503: "service_unavailable"}[status]
	if id == "" {
		id = "server_error"
	}
	writeJSON(w, status, map[string]string{"id": id, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	buf, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(buf, '\n'))
}

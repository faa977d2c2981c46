package sandbox

import (
	"net/http"
	"reflect"
	"time"
)

// A unit is one DigitalOcean service of the sandbox: its models, rules and
// handlers live in its own files, and its part of the world is a struct
// embedded in World. Embedding it is the one registration a new service
// needs: the server finds every embedded unit, in World's order, to
// register its routes, make its collections and settle its transitions.
type unit interface {
	// routes registers the service's endpoints as named handler methods.
	routes(s *Server)
}

// keeper is a unit with collections to make non-nil (also after loading a
// state file written before the unit existed).
type keeper interface{ ensure() }

// settler is a unit whose objects change state by due time.
type settler interface {
	settle(s *Server, now time.Time)
}

// units are the world's units, in the order World embeds them: settling
// follows it.
func (w *World) units() []unit {
	var out []unit
	v := reflect.ValueOf(w).Elem()
	for i := range v.NumField() {
		if !v.Type().Field(i).Anonymous {
			continue
		}
		if u, ok := v.Field(i).Addr().Interface().(unit); ok {
			out = append(out, u)
		}
	}
	return out
}

// ensureMaps makes every unit's collections non-nil.
func (w *World) ensureMaps() {
	for _, u := range w.units() {
		if k, ok := u.(keeper); ok {
			k.ensure()
		}
	}
}

// settle applies every transition that is due at now, unit by unit:
// droplets finishing boot, actions completing, load balancers becoming
// active. Transitions are due times rather than timers, so the world is a
// pure function of the clock and survives a restart.
func (s *Server) settle(now time.Time) {
	for _, u := range s.world.units() {
		if st, ok := u.(settler); ok {
			st.settle(s, now)
		}
	}
}

// routes registers every unit's endpoints; anything else is DigitalOcean's
// JSON 404.
func (s *Server) routes() {
	for _, u := range s.world.units() {
		u.routes(s)
	}
	s.api.HandleFunc("/", s.notFound)
}

// notFound is DigitalOcean's JSON 404 for a path no unit serves.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	requestID, _ := r.Context().Value(requestIDKey{}).(string)
	writeAPIError(w, requestID, errNotFound())
}

package sandbox

import (
	"regexp"
	"testing"
)

// DigitalOcean's user uuid is 40 hex digits and its team has an id of its
// own; doctl's `account get` showed the user uuid as the team's.
func TestCompatAccountUUIDs(t *testing.T) {
	e := newTestEnv(t)
	a, _, err := e.client.Account.Get(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(a.UUID) {
		t.Errorf("account uuid %q is not 40 hex digits", a.UUID)
	}
	if a.Team == nil || !uuidPattern.MatchString(a.Team.UUID) || a.Team.UUID == a.UUID {
		t.Errorf("team %+v for account %q", a.Team, a.UUID)
	}
	again, _, err := e.client.Account.Get(e.ctx)
	if err != nil || again.Team.UUID != a.Team.UUID {
		t.Errorf("team uuid changed: %+v %v", again.Team, err)
	}
}

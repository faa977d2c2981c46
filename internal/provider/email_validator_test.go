package provider

import (
	"net/mail"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestEmailValidator(t *testing.T) {
	p := path.Root("alert").AtListIndex(0).AtName("emails").AtListIndex(0)
	for _, c := range []struct {
		email string
		ok    bool
	}{
		{"ops@example.com", true},
		{"first.last+alerts@mail.example.co.uk", true},
		{"ops@[192.0.2.1]", true},
		{"ops", false},
		{"ops@localhost", false},         // no mail reaches a domain without a dot
		{"Ops <ops@example.com>", false}, // a display name is not an address
		{"<ops@example.com>", false},
		{"ops@example..com", false},
		{"a..b@example.com", false},
		{".ops@example.com", false},
		{"ops@example.com ", false},
		{"ops@@example.com", false},
		{"ops@example.com, dev@example.com", false},
		{"", false},
	} {
		d := runStringValidator(emailValidator{}, p, types.StringValue(c.email))
		if ok := !d.HasError(); ok != c.ok {
			t.Errorf("%q: accepted = %v, want %v (%v)", c.email, ok, c.ok, d)
			continue
		}
		if c.ok {
			continue
		}
		// The message the schema's RegexMatches gave before, which
		// TestAccWebTierValidation matches.
		if len(d) != 1 || d[0].Summary() != "Invalid Attribute Value Match" ||
			d[0].Detail() != "Attribute alert[0].emails[0] must be an email address, got: "+c.email {
			t.Errorf("%q: %v", c.email, d)
		}
	}
	for _, v := range []types.String{types.StringNull(), types.StringUnknown()} {
		if d := runStringValidator(emailValidator{}, p, v); len(d) != 0 {
			t.Errorf("%v: %v", v, d)
		}
	}
}

// FuzzEmailValidator: an accepted value is one bare address, the one
// net/mail reads from it, in a domain with a dot; nothing that could be a
// list, a display name or a comment passes.
func FuzzEmailValidator(f *testing.F) {
	for _, s := range []string{"ops@example.com", "ops", "a@b.c", "Ops <ops@example.com>", "\"a b\"@example.com",
		"\"a@b\"@example.com", "ops@example.com (Ops)", "ops@[::1]", "é@example.com", "a@b.c,d@e.f"} {
		f.Add(s)
	}
	p := path.Root("alert").AtListIndex(0).AtName("emails").AtListIndex(0)
	f.Fuzz(func(t *testing.T, s string) {
		if runStringValidator(emailValidator{}, p, types.StringValue(s)).HasError() {
			return
		}
		if a, err := mail.ParseAddress(s); err != nil || a.Name != "" || a.Address != s {
			t.Fatalf("%q: accepted, but net/mail reads %v, %v", s, a, err)
		}
		if strings.Count(s, "@") != 1 || strings.ContainsAny(s, " \t\r\n\"<>,()") {
			t.Fatalf("%q: accepted, but it is not one bare address", s)
		}
		if !strings.Contains(s[strings.Index(s, "@"):], ".") {
			t.Fatalf("%q: accepted without a dot in the domain", s)
		}
	})
}

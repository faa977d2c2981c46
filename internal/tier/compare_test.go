package tier

import (
	"reflect"
	"testing"
)

// variants calls f once per field reachable in v (a pointer to a struct),
// after changing just that field, and restores it after. Slices have their
// first element's fields changed, and one more element appended.
func variants(t *testing.T, v reflect.Value, path string, f func(path string)) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			variants(t, v.Field(i), path+"."+v.Type().Field(i).Name, f)
		}
		return
	case reflect.Slice:
		if v.Len() == 0 {
			t.Fatalf("%s: give the base value an element so its fields are checked", path)
		}
		variants(t, v.Index(0), path+"[0]", f)
		old := v.Interface()
		v.Set(reflect.Append(v, v.Index(0)))
		v.Index(v.Len() - 1).Set(reflect.Zero(v.Type().Elem()))
		f(path + " (one more)")
		v.Set(reflect.ValueOf(old))
		return
	}
	old := reflect.ValueOf(v.Interface())
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "-changed")
	case reflect.Int:
		v.SetInt(v.Int() + 1)
	case reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	default:
		t.Fatalf("%s: kind %s has no variant: teach variants about it", path, v.Kind())
	}
	f(path)
	v.Set(old)
}

func baseLoadBalancerSpec() LoadBalancerSpec {
	return LoadBalancerSpec{
		SizeUnit: 2, RedirectHTTPToHTTPS: true, EnableProxyProtocol: true, EnableBackendKeepalive: true, HTTPIdleTimeoutSeconds: 60,
		ForwardingRules: []ForwardingRule{{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateName: "c", TLSPassthrough: false}},
		HealthCheck:     HealthCheck{Protocol: "http", Port: 80, Path: "/", CheckIntervalSeconds: 10, ResponseTimeoutSeconds: 5, HealthyThreshold: 5, UnhealthyThreshold: 3},
		StickySessions:  StickySessions{Type: "cookies", CookieName: "DO-LB", CookieTTLSeconds: 300},
		FirewallAllow:   []string{"cidr:10.0.0.0/8"}, FirewallDeny: []string{"ip:1.2.3.4"},
	}
}

// A field added to LoadBalancerSpec is compared without anyone listing it:
// changing any one field makes the specs differ.
func TestSameLoadBalancerSpecSeesEveryField(t *testing.T) {
	base := baseLoadBalancerSpec()
	if !SameLoadBalancerSpec(base, baseLoadBalancerSpec()) {
		t.Fatal("a spec differs from itself")
	}
	changed := baseLoadBalancerSpec()
	n := 0
	variants(t, reflect.ValueOf(&changed).Elem(), "LoadBalancerSpec", func(path string) {
		n++
		if SameLoadBalancerSpec(base, changed) {
			t.Errorf("changing %s is not seen", path)
		}
	})
	t.Logf("%d variants", n)
}

func TestSameLoadBalancerSpecIgnoresOrderAndEmptiness(t *testing.T) {
	a, b := baseLoadBalancerSpec(), baseLoadBalancerSpec()
	a.ForwardingRules = append(a.ForwardingRules, ForwardingRule{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80})
	b.ForwardingRules = append([]ForwardingRule{a.ForwardingRules[1]}, b.ForwardingRules...)
	a.FirewallAllow, b.FirewallAllow = []string{"ip:1.1.1.1", "ip:2.2.2.2"}, []string{"ip:2.2.2.2", "ip:1.1.1.1"}
	a.FirewallDeny, b.FirewallDeny = nil, []string{}
	if !SameLoadBalancerSpec(a, b) {
		t.Error("the same rules and entries in another order, or nil against empty, compare different")
	}
	a.StickySessions, b.StickySessions = StickySessions{Type: "none", CookieName: "x"}, StickySessions{}
	if !SameLoadBalancerSpec(a, b) {
		t.Error("cookie settings without cookies count")
	}
}

func TestAlertMatchesSeesEveryField(t *testing.T) {
	base := AlertRequest{
		Type: "v1/insights/droplet/cpu", Description: "cpu [scalable-tier:web#0]", Compare: "GreaterThan", Value: 80, Window: "5m",
		Entities: []string{"1"}, Tags: []string{"scalable-tier:web"}, Emails: []string{"ops@example.com"},
		Slack: []SlackTarget{{Channel: "#ops", URL: "https://hooks.example.com/x"}}, Enabled: true,
	}
	if !alertMatches(AlertPolicy{UUID: "u", AlertRequest: base}, base) {
		t.Fatal("a policy does not match its own request")
	}
	n := 0
	changed := base
	changed.Entities, changed.Tags, changed.Emails = []string{"1"}, []string{"scalable-tier:web"}, []string{"ops@example.com"}
	changed.Slack = []SlackTarget{base.Slack[0]}
	variants(t, reflect.ValueOf(&changed).Elem(), "AlertRequest", func(path string) {
		n++
		if alertMatches(AlertPolicy{UUID: "u", AlertRequest: changed}, base) {
			t.Errorf("changing %s is not seen", path)
		}
	})
	t.Logf("%d variants", n)
	// What the API keeps: float32 values, sets in any order.
	same := base
	same.Value = float64(float32(80.0000001))
	same.Emails = []string{"ops@example.com"}
	if !alertMatches(AlertPolicy{AlertRequest: same}, base) {
		t.Error("a value equal at float32 precision is seen as a change")
	}
}

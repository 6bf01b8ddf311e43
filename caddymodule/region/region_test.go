package region

import "testing"

func TestResolveBuiltins(t *testing.T) {
	r, err := NewResolver(nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"DE": EU, "de": EU, " FR ": EU, "NO": EU, "CH": EU, "GB": UK, "US": US, "US-CA": US,
		"": EU, "XX": EU, "T1": EU, "BR": EU, "JP": EU, "not a code": EU, "US-": EU,
	}
	for in, want := range cases {
		if p, _ := r.Resolve(in); p.Name != want {
			t.Errorf("Resolve(%q) = %s; want %s", in, p.Name, want)
		}
	}
}

func TestOverrides(t *testing.T) {
	r, err := NewResolver(map[string]string{"US-CA": EU, "BR": US, "*": US})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"US-CA": EU, "US-TX": US, "BR": US, "JP": US, "": US, "DE": EU} {
		if p, _ := r.Resolve(in); p.Name != want {
			t.Errorf("Resolve(%q) = %s; want %s", in, p.Name, want)
		}
	}
	for _, bad := range []map[string]string{{"DE": "mars"}, {"Germany": EU}, {"D1-": EU}} {
		if _, err := NewResolver(bad); err == nil {
			t.Errorf("NewResolver(%v) accepted", bad)
		}
	}
}

func TestProfilesFollowTheirRule(t *testing.T) {
	p := Builtin()
	if len(p[EU].PreChoice) != 0 || p[EU].Model != OptIn {
		t.Error("EU must allow nothing optional before a choice")
	}
	if p[EU].MinRefusalMemory < 180*24*3600e9 {
		t.Error("EU refusals must be remembered at least 6 months")
	}
	for _, c := range p[UK].PreChoice {
		if c == "advertising" {
			t.Error("UK: advertising stays opt-in")
		}
	}
	if !p[UK].FirstPartyOnly {
		t.Error("UK: third-party tags stay opt-in")
	}
	if p[US].Model != OptOut {
		t.Error("US is opt-out")
	}
	for _, name := range ProfileNames() {
		if p[name].Basis == "" {
			t.Errorf("%s: no legal basis documented", name)
		}
	}
}

package main

import (
	"bytes"
	"strings"
	"testing"
)

const fixture = "\ufeffID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n" +
	"1,Google Analytics,Analytics,_ga,,\"Secret sentence, with a comma\",2 years,Google,https://x,0\n" +
	"2,Google Ads,Marketing,_gac_,,d,90 days,Google,,1\n" +
	"3,Shop,Functional,token,,d,session,Shop,,0\n" +
	"4,Adform,Marketing,token,,d,1 year,Adform,,0\n" +
	"5,,Security,waf\t,,d,\"multi\nline\",WAF Inc,,0\n" +
	"6,E,Marketing,,,d,,E,,1\n"

func TestGenerate(t *testing.T) {
	var a, b bytes.Buffer
	if err := generate(&a, []byte(fixture), "abc"); err != nil {
		t.Fatal(err)
	}
	if err := generate(&b, []byte(fixture), "abc"); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("output is not reproducible")
	}
	out := a.String()
	for _, want := range []string{"Apache License", "Open-Cookie-Database at commit abc", "SHA-256 "} {
		if !strings.Contains(out, want) {
			t.Errorf("header lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Secret sentence") || strings.Contains(out, "https://x") {
		t.Error("descriptions or portal links kept")
	}
	var rows []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if n := strings.Count(l, "\t"); n != 4 {
			t.Errorf("line %q has %d tabs, want 4", l, n)
		}
		rows = append(rows, l)
	}
	want := []string{
		"_ga\t0\tAnalytics\tGoogle Analytics\t2 years",
		"_gac_\t1\tMarketing\tGoogle Ads\t90 days",
		"token\t0\tMarketing\tAdform\t1 year", // most restrictive of the two rows
		"waf\t0\tSecurity\tWAF Inc\tmulti line",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if err := generate(&a, []byte("a,b\n1,2\n"), ""); err == nil {
		t.Error("wrong header accepted")
	}
}

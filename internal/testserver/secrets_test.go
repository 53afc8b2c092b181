package testserver

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// credentialForms find the credentials of connection strings, each by the
// form it is written in; the first non-empty group is the secret.
var credentialForms = map[string]*regexp.Regexp{
	"PWD=":                   regexp.MustCompile(`PWD=([^;\]"{]+)`),
	"Password=":              regexp.MustCompile(`Password=([^;\]"]+)`),
	"password= (JDBC-style)": regexp.MustCompile(`jdbc:[^"]*;password=([^;"]+)`),
	`Pwd="..." (quoted)`:     regexp.MustCompile(`(?i)(?:pwd|password)="([^"]+)"`),
	"Pwd={...} (braced)":     regexp.MustCompile(`(?i)pwd=\{([^}]+)\}`),
	"Authorization: Bearer":  regexp.MustCompile(`Authorization%2Bearer ([^;%]+)`),
	"token=":                 regexp.MustCompile(`[?&]token=([^;&"]+)`),
	"apiKey":                 regexp.MustCompile(`(?i)(?:apiKey|X-Api-Key)%2([^;%]+)`),
	"user:password@":         regexp.MustCompile(`://[^/:@;"]+:([^@/;"]+)@`),
	"secretKey=":             regexp.MustCompile(`secretKey=([^;"]+)`),
}

// credentialsOf returns the credentials of a site's data connections by
// form, the password fields under "password field".
func credentialsOf(t *testing.T, site Site) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	for _, c := range decodeArray(t, body(t, site, KindDataConnection, "")) {
		cs := c["connectionstring"].(string)
		for form, re := range credentialForms {
			for _, m := range re.FindAllStringSubmatch(cs, -1) {
				found[form] = append(found[form], m[1])
			}
		}
		if p := c["password"].(string); p != "" {
			found["password field"] = append(found["password field"], p)
		}
	}
	return found
}

// TestFixtureSecrets checks that FixtureSecrets lists every credential the
// demo site and a generated site hold, in every form QRS.md warns of, and
// nothing they do not hold: a client test that greps its output for them
// then proves something.
func TestFixtureSecrets(t *testing.T) {
	secrets := FixtureSecrets()
	used := map[string]bool{}
	for name, site := range map[string]Site{
		"demo":      DemoSite(),
		"generated": Generate(GenConfig{Seed: 2, Apps: 100, DataConnections: 400}),
	} {
		found := credentialsOf(t, site)
		for form := range credentialForms {
			if len(found[form]) == 0 {
				t.Errorf("%s site: no credential written as %s", name, form)
			}
		}
		if len(found["password field"]) == 0 {
			t.Errorf("%s site: every password field is empty", name)
		}
		for form, values := range found {
			for _, v := range values {
				if !slices.Contains(secrets, v) {
					t.Errorf("%s site: credential %q (%s) is not in FixtureSecrets", name, v, form)
				}
				used[v] = true
			}
		}
	}
	for _, s := range secrets {
		if !used[s] {
			t.Errorf("FixtureSecrets lists %q, which no fixture holds", s)
		}
		if strings.ContainsAny(s, "\"\\<>& \t\n") {
			t.Errorf("secret %q holds a character JSON encoders escape", s)
		}
	}
	// The list is a copy: a caller cannot change the fixtures' secrets.
	FixtureSecrets()[0] = "changed"
	if FixtureSecrets()[0] == "changed" {
		t.Errorf("FixtureSecrets returns shared storage")
	}
}

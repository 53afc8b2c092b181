package testserver

import "slices"

// The credentials that fixtures put in data connections (connection
// strings and password fields), kept in one place so that tests can grep a
// client's output for every one of them. The demo site's files and the
// generator draw from these lists only. None holds a character that JSON
// encoders escape (", \, <, >, &), so that a secret written by a client
// reads the same in its output.
var (
	// dbPasswords follow PWD=, Password=, password= and password fields.
	dbPasswords = []string{"Qv!Reader-2023x", "Sup3rS3cret#ODBC", "Winter2024!Sales", "Tr0ub4dor-9x3k", "Hx7-pW2q-LmZ4"}
	// quotedPasswords hold the separators of connection strings, so they
	// are written quoted (Pwd="...") or braced (PWD={...}).
	quotedPasswords = []string{"Semi;Colon=Pa55", "a;b=c-Kx81"}
	// bearerTokens follow Authorization: Bearer and token=.
	bearerTokens = []string{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJxbGlrLWV0bCJ9.c2lnbmF0dXJlLXRlc3Q", "ghp_R2d2C3poTestTokenXk9Lm"}
	// apiKeys follow apiKey= and X-Api-Key.
	apiKeys = []string{"ak-7f3b2c71d4e8a6b05c1e", "4d1c6f0e-key-9b2a-77e3"}
	// urlPasswords are the password part of user:password@ in URLs.
	urlPasswords = []string{"UrlPa55w0rd9", "Bk7hpZr2vQ"}
	// cloudSecretKeys follow secretKey=.
	cloudSecretKeys = []string{"wJalrXUtnFEMI-K7MDENG-bPxRfiCYqlikTEST"}
)

// FixtureSecrets returns every credential that the demo site and generated
// sites hold in their data connections, as written in the connection
// strings and password fields: passwords, tokens, API keys and secret keys.
// A client's output must contain none of them.
func FixtureSecrets() []string {
	return slices.Concat(dbPasswords, quotedPasswords, bearerTokens, apiKeys, urlPasswords, cloudSecretKeys)
}

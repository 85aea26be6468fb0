package probe

import (
	"net/http"

	"github.com/healthprobe/healthprobe/nagios"
)

// The one rule for credentials, in every kind of check (a login, a bearer
// token, an API key, a conference PIN):
//
//   - credentials the service refuses are CRITICAL: it says no to what
//     should work, whether the password was changed or its own
//     authentication is broken, and everything else that uses them fails
//     too (as check_mysql, check_pgsql and check_ldap report a refused
//     login);
//   - credentials the check lacks (none given where the service asks for
//     them, or an account without the rights the check needs) are UNKNOWN:
//     the check is not set up to see the service, which says nothing about
//     it; the plugin contract's "could not be carried out".
const (
	CredentialsRefused = nagios.Critical
	CredentialsMissing = nagios.Unknown
)

// authProblem explains a 401 answer to a probe that had credentials to
// give (a login or a bearer token), or returns "" when it is not a 401 or
// the probe had none: the probe then says credentials are required.
func authProblem(ex *Exchange, haveCredentials bool) string {
	switch {
	case ex.Status != http.StatusUnauthorized:
		return ""
	case ex.AuthSent:
		return "authentication failed (" + ex.StatusLine + ")"
	case ex.CrossOrigin && ex.URL != nil && ex.Origin != nil:
		return "authentication failed: " + ex.StatusLine + " from " + hostPort(ex.URL) + " after a redirect; credentials go only to " + hostPort(ex.Origin)
	case haveCredentials:
		return "authentication failed: the server's challenge could not be answered (" + ex.StatusLine + ")"
	}
	return ""
}

package probe

import "net/http"

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

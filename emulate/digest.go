package emulate

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/icholy/digest"
)

// DigestAuth protects a handler with HTTP digest authentication (RFC 7616),
// as Itgrix's /status is. The response is checked with icholy/digest's own
// computation, so client and emulator share no hand-written hashing.
type DigestAuth struct {
	Realm     string
	User      string
	Password  string
	Algorithm string // MD5 (default) or SHA-256
}

// Wrap returns h behind digest authentication.
func (d DigestAuth) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.valid(r) {
			h.ServeHTTP(w, r)
			return
		}
		d.Challenge(w)
	})
}

// Challenge writes a 401 with a fresh digest challenge.
func (d DigestAuth) Challenge(w http.ResponseWriter) {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	chal := digest.Challenge{Realm: d.Realm, Nonce: hex.EncodeToString(nonce), Algorithm: d.algorithm(), QOP: []string{"auth"}, Opaque: "healthprobe"}
	w.Header().Set("WWW-Authenticate", chal.String())
	http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
}

func (d DigestAuth) algorithm() string {
	if d.Algorithm == "" {
		return "MD5"
	}
	return d.Algorithm
}

func (d DigestAuth) valid(r *http.Request) bool {
	cred, err := digest.ParseCredentials(r.Header.Get("Authorization"))
	if err != nil || cred.Username != d.User || cred.Realm != d.Realm ||
		!strings.EqualFold(cred.Algorithm, d.algorithm()) || cred.URI != r.URL.RequestURI() {
		return false
	}
	chal := &digest.Challenge{Realm: d.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, Opaque: cred.Opaque}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: r.Method, URI: cred.URI, Count: cred.Nc, Cnonce: cred.Cnonce,
		Username: d.User, Password: d.Password,
	})
	return err == nil && subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) == 1
}

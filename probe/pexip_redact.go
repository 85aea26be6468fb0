package probe

import (
	"bytes"
	"encoding/json"
	"strings"
)

// redactedValue replaces a secret in a body shown to the user.
var redactedValue = json.RawMessage(`"[redacted]"`)

// pexipSecretKeys are the keys of a request_token result that must never be
// shown: the token lets anyone act as the probe's participant until it
// expires, and TURN credentials give use of the node's relay.
var pexipSecretKeys = []string{"token", "turn"}

// redactPexipBody returns a client API answer with its secrets masked, for
// verbose logs and body assertions (jq). Keys are matched regardless of
// case, as encoding/json matches them when the token is read. The secret
// values are replaced where they stand, keeping the answer's order; should
// any survive (a duplicate key, say), the answer is rebuilt without them.
// A body that is not JSON is shown only when it cannot hold a token.
func redactPexipBody(body []byte) []byte {
	secrets, ok := pexipSecrets(body)
	if !ok {
		if bytes.Contains(bytes.ToLower(body), []byte("token")) {
			return []byte("[not shown: not valid JSON, and it may hold a token]")
		}
		return body
	}
	if len(secrets) == 0 {
		return body
	}
	out := body
	for _, s := range secrets {
		out = bytes.ReplaceAll(out, s, redactedValue)
	}
	if left, ok := pexipSecrets(out); ok && len(left) == 0 {
		return out
	}
	return rebuildRedacted(body)
}

// pexipSecrets returns the raw values of the secret keys of a body's
// result, every occurrence of a repeated key included (values already
// masked excepted); ok is false when the body is not JSON.
func pexipSecrets(body []byte) (secrets []json.RawMessage, ok bool) {
	if !json.Valid(body) {
		return nil, false
	}
	for _, result := range objectValues(body, "result") {
		for _, key := range pexipSecretKeys {
			for _, v := range objectValues(result, key) {
				if !bytes.Equal(v, redactedValue) {
					secrets = append(secrets, v)
				}
			}
		}
	}
	return secrets, true
}

// objectValues returns the values of every member of a JSON object whose
// key matches name regardless of case (as encoding/json matches keys);
// nothing when data is not an object.
func objectValues(data []byte, name string) []json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []json.RawMessage
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out
		}
		key, _ := t.(string)
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return out
		}
		if strings.EqualFold(key, name) {
			out = append(out, v)
		}
	}
	return out
}

func isPexipSecretKey(k string) bool {
	for _, s := range pexipSecretKeys {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

// rebuildRedacted re-encodes a body with every secret key masked. Keys come
// out sorted and duplicates collapse, so it is the fallback only.
func rebuildRedacted(body []byte) []byte {
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil {
		return []byte("[not shown]")
	}
	for k, raw := range env {
		var result map[string]json.RawMessage
		if !strings.EqualFold(k, "result") || json.Unmarshal(raw, &result) != nil {
			continue
		}
		for rk := range result {
			if isPexipSecretKey(rk) {
				result[rk] = redactedValue
			}
		}
		masked, err := json.Marshal(result)
		if err != nil {
			return []byte("[not shown]")
		}
		env[k] = masked
	}
	out, err := json.Marshal(env)
	if err != nil {
		return []byte("[not shown]")
	}
	return out
}

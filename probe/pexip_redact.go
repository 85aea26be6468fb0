package probe

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"sync"

	"github.com/healthprobe/healthprobe/redact"
)

// pexipSecretKey matches the keys of a client API answer whose values are
// secrets: the call token lets anyone act as the probe's participant until
// it expires, and TURN credentials give use of the node's relay ("turn"
// holds them: every string below it is one).
var pexipSecretKey = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)token|credential|password|secret|^turn$`)
})

// pexipSecretWords are the names of secret keys, in lower case, and the
// start of a \u escape (a key may be written escaped): a body without any
// holds no secret to find.
var pexipSecretWords = [][]byte{[]byte("token"), []byte("credential"), []byte("password"), []byte("secret"), []byte("turn"), []byte(`\u00`)}

// maxIssued caps the secrets taken from one answer: a real one holds a
// token and a few TURN strings, a hostile one may repeat "token" a million
// times.
const maxIssued = 32

// maxIssuedScan caps the answer that is read as JSON for secrets, and how
// far into any answer they are looked for as text. A client API answer is
// a few KiB; an excerpt shows the start of a longer one only, and a token
// read from it (readGrant) joins the redactor anyway.
const maxIssuedScan = 64 << 10

// pexipSecretText finds a secret key's string value in a body as text: in
// an answer that is not valid JSON, or cut short (the value may lack its
// closing quote).
var pexipSecretText = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)"[^"]*(?:token|credential|password|secret)[^"]*"\s*:\s*"((?:[^"\\]|\\.)*)`)
})

// pexipIssued returns the secrets a client API answer holds, whatever its
// status (a refusal may quote a token too): every string under a secret
// key, each repeated key included, and those a body that is not JSON (or
// is cut) shows as text, as written and unescaped. The client adds them to
// the run's redactor before anything of the answer is logged or returned.
func pexipIssued(ex *Exchange) []string {
	lower := bytes.ToLower(ex.Body)
	if !slices.ContainsFunc(pexipSecretWords, func(w []byte) bool { return bytes.Contains(lower, w) }) {
		return nil // no secret key in it, however it is written
	}
	text := ex.Body[:min(len(ex.Body), maxIssuedScan)]
	out, _ := secretStrings(text, pexipSecretKey().MatchString)
	for _, m := range pexipSecretText().FindAllSubmatch(text, maxIssued) {
		raw := string(m[1])
		out = append(out, raw)
		var s string
		if json.Unmarshal([]byte(`"`+raw+`"`), &s) == nil {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return out[:min(len(out), maxIssued)]
}

// secretStrings returns the strings of JSON data that stand under a key
// secret says is a secret's, at any depth below it, in every value data
// holds, as far as it reads as JSON: data cut short gives those before the
// cut. isJSON is false when not even its first token is JSON. The caller
// bounds data: its tokens are read one by one.
func secretStrings(data []byte, secret func(key string) bool) (out []string, isJSON bool) {
	type frame struct{ object, secret, wantKey bool }
	var (
		stack   []frame
		pending bool // the key just read is a secret's
	)
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := 0; ; n++ {
		t, err := dec.Token()
		if err != nil {
			return out, n > 0
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch v := t.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				stack = append(stack, frame{object: v == '{', secret: pending || (top != nil && top.secret), wantKey: v == '{'})
				pending = false
				continue
			}
			stack = stack[:len(stack)-1]
		case string:
			if top != nil && top.object && top.wantKey {
				pending = top.secret || secret(v)
				top.wantKey = false
				continue
			}
			if pending || (top != nil && top.secret) {
				out = append(out, v)
			}
		}
		pending = false
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantKey = true
		}
	}
}

// pexipAssertBody is the answer body assertions (jq) see: the strings
// under a secret key replaced by "[redacted]", so that an operator's
// expression cannot print or cut up a live token. A JSON answer is
// re-encoded compactly (keys in their order, repeated keys kept); an
// answer that is not JSON has the issued secrets masked as text (only
// these: a run's PIN of three digits could break its numbers).
func pexipAssertBody(body []byte, issued []string) []byte {
	if _, masked, ok := scrubJSON(body, pexipSecretKey().MatchString); ok {
		return masked
	}
	only := redact.New()
	for _, s := range issued {
		only.Add(s)
	}
	return only.Bytes(body)
}

// scrubJSON reads the first JSON value of data and returns every string
// that stands under a key secret says is a secret's (at any depth below
// it), and the value re-encoded with each of those strings replaced by
// redact.Mask. ok is false when data holds no complete JSON value, or is
// larger than maxIssuedScan (walking a hostile megabyte of tokens costs
// more than a probe may spend).
func scrubJSON(data []byte, secret func(key string) bool) (secrets []string, masked []byte, ok bool) {
	if len(data) > maxIssuedScan {
		return nil, nil, false
	}
	type frame struct {
		object, secret bool
		wantKey        bool // an object expects a key next
		n              int  // members or elements written
	}
	var (
		stack   []frame
		pending bool // the key just read is a secret's
		out     bytes.Buffer
	)
	// the first value, read with encoding/json's scanner: fast, and it
	// refuses nesting deeper than 10000 before the walk below begins
	var first json.RawMessage
	if json.NewDecoder(bytes.NewReader(data)).Decode(&first) != nil {
		return nil, nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(first))
	dec.UseNumber()
	write := func(v any) {
		b, _ := json.Marshal(v)
		out.Write(b)
	}
	for {
		t, err := dec.Token()
		if err != nil {
			return secrets, nil, false // cut short, or not JSON from here on
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if d, isDelim := t.(json.Delim); isDelim && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
		} else if top != nil && top.object && top.wantKey {
			k, _ := t.(string)
			if top.n > 0 {
				out.WriteByte(',')
			}
			top.n++
			write(k)
			out.WriteByte(':')
			pending = top.secret || secret(k)
			top.wantKey = false
			continue
		} else {
			inSecret := pending || (top != nil && top.secret)
			pending = false
			if top != nil && !top.object {
				if top.n > 0 {
					out.WriteByte(',')
				}
				top.n++
			}
			switch v := t.(type) {
			case json.Delim:
				out.WriteByte(byte(v))
				stack = append(stack, frame{object: v == '{', secret: inSecret, wantKey: v == '{'})
				continue
			case string:
				if inSecret {
					secrets = append(secrets, v)
					v = redact.Mask
				}
				write(v)
			case json.Number:
				out.WriteString(v.String())
			default:
				write(v) // true, false, null
			}
		}
		if len(stack) == 0 {
			return secrets, out.Bytes(), true // the first value is complete
		}
		if top := &stack[len(stack)-1]; top.object {
			top.wantKey = true
		}
	}
}

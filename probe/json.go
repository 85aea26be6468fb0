package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeJSON decodes a body holding exactly one JSON value, numbers kept as
// json.Number (exact, and accepted by jq). Its error is one line an operator
// can read after "body is " or "the answer is ": "not JSON: REASON: START
// OF THE BODY", or "empty, not JSON".
func DecodeJSON(b []byte) (any, error) {
	return DecodeJSONContext(context.Background(), b)
}

// DecodeJSONContext is DecodeJSON that gives up, with ctx's error, when ctx
// ends before the body is read (a body of megabytes takes a while).
func DecodeJSONContext(ctx context.Context, b []byte) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty, not JSON")
	}
	dec := json.NewDecoder(ctxReader{ctx, bytes.NewReader(b)})
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, notJSON(b, err, dec.InputOffset())
	}
	end := dec.InputOffset()
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("not JSON: more data after the first value at byte %d: %s", end, Excerpt(b, 60))
	}
	return v, nil
}

// ctxReader reads until its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func notJSON(b []byte, err error, offset int64) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("not JSON: it ends in the middle of a value: %s", Excerpt(b, 60))
	}
	return fmt.Errorf("not JSON: %s at byte %d: %s", SanitizeLine(err.Error(), 80), offset, Excerpt(b, 60))
}

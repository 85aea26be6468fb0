package jqsafe

import (
	"encoding/json"

	"github.com/itchyny/gojq"
)

func jsonNumber(s string) any { return json.Number(s) }

func gojqPreview(v any) string { return gojq.Preview(v) }

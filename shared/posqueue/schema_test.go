package posqueue_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaPath is the published contract, relative to this package.
var schemaPath = filepath.Join("..", "..", "docs", "pos-contract.schema.json")

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// contract compiles docs/pos-contract.schema.json once, with formats (date-time) asserted:
// draft 2020-12 treats them as annotations unless asked.
func contract(t *testing.T) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(schemaPath)
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		if schemaErr = c.AddResource("pos-contract.schema.json", doc); schemaErr != nil {
			return
		}
		schema, schemaErr = c.Compile("pos-contract.schema.json")
	})
	if schemaErr != nil {
		t.Fatalf("compile %s: %v", schemaPath, schemaErr)
	}
	return schema
}

// validate checks one message body against the contract.
func validate(t *testing.T, body string) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	return contract(t).Validate(inst)
}

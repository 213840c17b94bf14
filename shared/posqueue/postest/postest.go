// Package postest checks documents against the published POS contract,
// docs/pos-contract.schema.json, for every test that reads a store's queue: the contract's
// own tests and the end-to-end golden conversations.
package postest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaFile is the contract's path from the repository root.
const SchemaFile = "docs/pos-contract.schema.json"

var (
	once   sync.Once
	schema *jsonschema.Schema
	err    error
)

// root finds the repository root (the folder holding go.work) from the working directory.
func root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work above the working directory")
		}
		dir = parent
	}
}

// Schema compiles the contract once, with formats (date-time) asserted: draft 2020-12 treats
// them as annotations unless asked.
func Schema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	once.Do(func() {
		var dir string
		if dir, err = root(); err != nil {
			return
		}
		var f *os.File
		if f, err = os.Open(filepath.Join(dir, SchemaFile)); err != nil {
			return
		}
		defer f.Close()
		var doc any
		if doc, err = jsonschema.UnmarshalJSON(f); err != nil {
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		if err = c.AddResource("pos-contract.schema.json", doc); err != nil {
			return
		}
		schema, err = c.Compile("pos-contract.schema.json")
	})
	if err != nil {
		tb.Fatalf("compile %s: %v", SchemaFile, err)
	}
	return schema
}

// Validate checks one message body against the contract.
func Validate(tb testing.TB, body []byte) error {
	tb.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return Schema(tb).Validate(inst)
}

package admin_test

import (
	"encoding/json"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/schema_validation"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The served document is a valid OpenAPI 3.1 document by the OpenAPI Initiative's own JSON
// Schema (checked by libopenapi-validator), so clients and the admin UI can generate from it.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	f := newFixture(t)
	res := f.do(t, "GET", resourcenames.AdminOpenAPIPath, "", nil)
	if res.status != 200 || res.header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %s", res.status, res.header.Get("Content-Type"))
	}
	doc, err := libopenapi.NewDocument(res.body)
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("version %q", v)
	}
	ok, errs := schema_validation.ValidateOpenAPIDocument(doc)
	for _, e := range errs {
		t.Errorf("%s: %s", e.Message, e.Reason)
		for _, se := range e.SchemaValidationErrors {
			t.Errorf("  %s at %s", se.Reason, se.FieldPath)
		}
	}
	if !ok && len(errs) == 0 {
		t.Error("invalid, with no error given")
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Errorf("the model: %v", err)
	}
	// Not vacuous: the same document without its info object is refused.
	var m map[string]any
	res.json(t, &m)
	delete(m, "info")
	broken, _ := json.Marshal(m)
	bad, err := libopenapi.NewDocument(broken)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := schema_validation.ValidateOpenAPIDocument(bad); ok {
		t.Error("a document without info passes the validation")
	}
}

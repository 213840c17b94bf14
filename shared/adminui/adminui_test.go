package adminui_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/wabot-platform/wabot/shared/adminui"
)

var built = fstest.MapFS{
	"index.html":            {Data: []byte(`<!doctype html><script type="module" src="/admin/assets/app-ABC.js"></script>`)},
	"assets/app-ABC.js":     {Data: []byte(`console.log(1)`)},
	"assets/app-DEF.css":    {Data: []byte(`body{}`)},
	"secret-outside-assets": {Data: []byte(`no`)},
}

var hosted = adminui.Config{Login: adminui.LoginHosted, ClientID: "client123", Domain: "https://wabot-prod-1.auth.us-east-1.amazoncognito.com", Environment: "prod"}

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPageAssetsAndConfig(t *testing.T) {
	h := adminui.HandlerFS(hosted, built)
	for _, path := range []string{"/admin/", "/admin/index.html"} {
		r := get(t, h, http.MethodGet, path)
		if r.StatusCode != 200 || !strings.Contains(body(t, r), "app-ABC.js") {
			t.Fatalf("GET %s: %d", path, r.StatusCode)
		}
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "connect-src 'self' " + hosted.Domain, "default-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
			}
		}
		if r.Header.Get("Cache-Control") != "no-cache" || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: headers %v", path, r.Header)
		}
	}
	r := get(t, h, http.MethodGet, "/admin/assets/app-ABC.js")
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Type"), "javascript") ||
		!strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("asset: %d %v", r.StatusCode, r.Header)
	}
	r = get(t, h, http.MethodGet, "/admin/config.json")
	var cfg adminui.Config
	if err := json.Unmarshal([]byte(body(t, r)), &cfg); err != nil || !reflect.DeepEqual(cfg, hosted) {
		t.Errorf("config.json: %+v, %v; want %+v", cfg, err, hosted)
	}
	for _, path := range []string{"/admin/assets/nope.js", "/admin/secret-outside-assets", "/admin/assets/../secret-outside-assets", "/admin/other"} {
		if r := get(t, h, http.MethodGet, path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}
	if r := get(t, h, http.MethodPost, "/admin/"); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /admin/: %d, want 405", r.StatusCode)
	}
}

// The bundle is stored gzipped: sent as it is to a browser that accepts gzip, unzipped for a
// client that does not.
func TestGzippedAssets(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write([]byte("export const app = 1;"))
	_ = zw.Close()
	h := adminui.HandlerFS(hosted, fstest.MapFS{"index.html": {Data: []byte("x")}, "assets/app-Z.js.gz": {Data: z.Bytes()}})
	req := httptest.NewRequest(http.MethodGet, "/admin/assets/app-Z.js", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := rec.Result()
	if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Vary") != "Accept-Encoding" ||
		!strings.Contains(r.Header.Get("Content-Type"), "javascript") || !bytes.Equal([]byte(body(t, r)), z.Bytes()) {
		t.Errorf("gzip accepted: %d %v", r.StatusCode, r.Header)
	}
	for _, accept := range []string{"", "identity", "gzip;q=0"} {
		req := httptest.NewRequest(http.MethodGet, "/admin/assets/app-Z.js", nil)
		req.Header.Set("Accept-Encoding", accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		r := rec.Result()
		if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "" || body(t, r) != "export const app = 1;" {
			t.Errorf("Accept-Encoding %q: %d %v", accept, r.StatusCode, r.Header)
		}
	}
	if r := get(t, h, http.MethodGet, "/admin/assets/app-Z.js.gz"); r.StatusCode != http.StatusNotFound {
		t.Errorf("the .gz name itself: %d, want 404", r.StatusCode)
	}
}

// The local sign-in calls only the page's own origin: no other origin in the CSP.
func TestPasswordLoginCSPIsSelfOnly(t *testing.T) {
	h := adminui.HandlerFS(adminui.Config{Login: adminui.LoginPassword, ClientID: "c", CognitoURL: "/_local/cognito"}, built)
	csp := get(t, h, http.MethodGet, "/admin/").Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self';") {
		t.Errorf("CSP %q", csp)
	}
}

func TestNotBuiltSaysHow(t *testing.T) {
	r := get(t, adminui.HandlerFS(hosted, fstest.MapFS{}), http.MethodGet, "/admin/")
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body(t, r), "make ui") {
		t.Errorf("unbuilt UI: %d", r.StatusCode)
	}
}

// Mount sends /admin/v1/... to the API and the rest of /admin to the UI, /admin included.
func TestMount(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "api") })
	h := adminui.Mount(api, adminui.HandlerFS(hosted, built))
	for path, want := range map[string]string{
		"/admin/v1/me": "api", "/admin/v1/openapi.json": "api", "/admin/": "app-ABC.js", "/admin": "app-ABC.js",
	} {
		if got := body(t, get(t, h, http.MethodGet, path)); !strings.Contains(got, want) {
			t.Errorf("GET %s = %q, want %q", path, got, want)
		}
	}
	if r := get(t, h, http.MethodGet, "/webhooks/twilio"); r.StatusCode != http.StatusNotFound {
		t.Errorf("a path outside /admin: %d", r.StatusCode)
	}
}

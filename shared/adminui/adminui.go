// Package adminui serves the admin web UI: a single page (Preact, bundled by esbuild from
// web/admin into bundle/dist/ at build time and embedded here) at resourcenames.AdminUIPath, on the
// same origin as the admin API it calls, so the API needs no CORS.
//
// Three kinds of paths:
//   - /admin/ and /admin: index.html, never cached, with a strict Content-Security-Policy
//     (its references are absolute, /admin/assets/..., so both paths load it);
//   - /admin/assets/<name>-<hash>.<ext>: the bundle, cached for a year (the name changes
//     with the content), stored gzipped and sent so (Content-Encoding), or unzipped for a
//     client that does not accept gzip;
//   - /admin/config.json: how this deployment signs users in (Config), read by the page
//     before anything else.
//
// Nothing here reads a token: the page holds no data until it calls the API, which checks
// every request.
package adminui

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// bundle holds the build output of web/admin in bundle/dist (make ui, git-ignored) and
// bundle/README.md, the one committed file, which keeps the pattern matching before a build.
//
//go:embed all:bundle
var bundle embed.FS

// distDir is where make ui writes the page in bundle.
const distDir = "bundle/dist"

// Login modes of Config.
const (
	// LoginHosted sends users to the user pool's hosted sign-in page (Cognito's managed
	// login), authorization code with PKCE: the deployed stacks.
	LoginHosted = "hosted"
	// LoginPassword signs in with a username and password form, through Cognito's
	// InitiateAuth (USER_PASSWORD_AUTH) at CognitoURL: make dev's emulator user pool.
	LoginPassword = "password"
)

// Config is what the page needs to sign a user in, served as /admin/config.json. It holds
// no secret: the app client has none (a browser cannot keep one).
type Config struct {
	// Login is LoginHosted or LoginPassword.
	Login string `json:"login"`
	// ClientID is the user pool's app client: the tokens' audience.
	ClientID string `json:"clientId"`
	// Domain is the hosted sign-in's base URL (https://<prefix>.auth.<region>.amazoncognito.com),
	// for LoginHosted.
	Domain string `json:"domain,omitempty"`
	// CognitoURL is where the page calls InitiateAuth, for LoginPassword.
	CognitoURL string `json:"cognitoUrl,omitempty"`
	// Environment names the deployment in the page's header (dev, staging, prod).
	Environment string `json:"environment"`
	// DemoUsers are make dev's users and their password, shown on the local sign-in page
	// only (never set in AWS).
	DemoUsers []DemoUser `json:"demoUsers,omitempty"`
	// DemoPassword is the demo users' password (make dev's emulator only).
	DemoPassword string `json:"demoPassword,omitempty"`
}

// DemoUser is one of make dev's sign-in users.
type DemoUser struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	ClientID string `json:"clientId,omitempty"`
}

// Built reports whether the embedded UI exists (make ui ran before go build).
func Built() bool {
	_, err := fs.Stat(bundle, distDir+"/index.html")
	return err == nil
}

// Handler serves the embedded UI under resourcenames.AdminUIPath with cfg as its
// config.json.
func Handler(cfg Config) http.Handler {
	root, _ := fs.Sub(bundle, distDir)
	return HandlerFS(cfg, root)
}

// HandlerFS serves the UI built into root (index.html and assets/) instead of the embedded
// one: make dev's WABOT_ADMIN_UI_DIR, for working on the UI without rebuilding the runner.
func HandlerFS(cfg Config, root fs.FS) http.Handler {
	cfgJSON, _ := json.Marshal(cfg)
	csp := contentSecurityPolicy(cfg)
	prefix := resourcenames.AdminUIPath
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		rel := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(prefix, "/"))
		rel = strings.TrimPrefix(rel, "/")
		switch {
		case rel == "" || rel == "index.html":
			page, err := fs.ReadFile(root, "index.html")
			if err != nil {
				h.Set("Content-Type", "text/plain; charset=utf-8")
				h.Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("The admin UI is not in this build: run `make ui` before building the admin function (make build and make dev do).\n"))
				return
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Frame-Options", "DENY")
			_, _ = w.Write(page)
		case rel == "config.json":
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-cache")
			_, _ = w.Write(cfgJSON)
		case strings.HasPrefix(rel, "assets/") && !strings.Contains(rel, "..") && !strings.HasSuffix(rel, ".gz"):
			body, gzipped, err := asset(root, rel)
			if err != nil {
				http.NotFound(w, r)
				return
			}
			if t := mime.TypeByExtension(path.Ext(rel)); t != "" {
				h.Set("Content-Type", t)
			}
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			if gzipped {
				h.Set("Vary", "Accept-Encoding")
				if acceptsGzip(r) {
					h.Set("Content-Encoding", "gzip")
				} else if body, err = gunzip(body); err != nil {
					http.Error(w, "the admin UI's bundle is corrupt", http.StatusInternalServerError)
					return
				}
			}
			_, _ = w.Write(body)
		default:
			http.NotFound(w, r)
		}
	})
}

// asset reads an asset of the bundle: as it is, or gzipped (build.mjs keeps only
// <name>.gz), which gzipped reports.
func asset(root fs.FS, rel string) (body []byte, gzipped bool, err error) {
	if body, err = fs.ReadFile(root, rel); err == nil {
		return body, false, nil
	}
	body, err = fs.ReadFile(root, rel+".gz")
	return body, err == nil, err
}

// acceptsGzip reports whether the request's Accept-Encoding admits gzip (every browser's
// does; "gzip;q=0" refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

// contentSecurityPolicy allows the page's own scripts and styles and API calls to its own
// origin, plus the sign-in endpoint of cfg: nothing inline, no frames, no other origin.
func contentSecurityPolicy(cfg Config) string {
	connect := "'self'"
	if cfg.Login == LoginHosted && cfg.Domain != "" {
		connect += " " + cfg.Domain
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src " + connect + "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// Mount serves api under resourcenames.AdminPathPrefix and the UI (ui) at every other path
// under resourcenames.AdminUIPath: the admin function's one handler.
func Mount(api, ui http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(resourcenames.AdminPathPrefix+"/", api)
	mux.Handle(resourcenames.AdminUIPath, ui)
	// The page at /admin too: API Gateway routes the bare path on its own (GET /admin).
	mux.Handle(strings.TrimSuffix(resourcenames.AdminUIPath, "/"), ui)
	return mux
}

package localoutbox

import (
	"encoding/json"
	"net/http"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Path is where the local runner serves Handler.
const Path = "/dev/outbox"

// Handler answers GET /dev/outbox?to=whatsapp:%2B5511987654321 with the messages sent to
// that customer, oldest first, as a JSON array of Entry ({"sid", "clientId", "to", "from",
// "body", "at", and "contentSid"/"contentVariables" for templates}); [] when there are none.
// A missing or malformed to is 400 with an RFC 9457 problem+json body. Encode the "+" as
// %2B; a bare "+" (which a query string turns into a space) is accepted too, see
// queryAddress.
//
// It serves whatever path it is mounted on: the caller's mux decides (Path by convention).
func (o *Outbox) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			problem(w, http.StatusMethodNotAllowed, "use GET "+Path+"?to=whatsapp:%2B<E.164 number>")
			return
		}
		raw := r.URL.Query().Get("to")
		if raw == "" {
			problem(w, http.StatusBadRequest, `the query parameter "to" is required: a WhatsApp address such as whatsapp:%2B5511900000000 (encode + as %2B)`)
			return
		}
		to, err := queryAddress(raw)
		if err != nil {
			// The domain's message is safe to show: it masks the number.
			problem(w, http.StatusBadRequest, `the query parameter "to" is not a WhatsApp address: `+domain.ErrorMessage(err)+` (encode + as %2B)`)
			return
		}
		entries := o.List(to)
		if entries == nil {
			entries = []Entry{} // [] rather than null: clients iterate without a check
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(entries)
	})
}

// problem writes an RFC 9457 problem details body. The type is about:blank: the status says
// all a client can act on, and the title is then the status's phrase, as the RFC asks.
func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}{"about:blank", http.StatusText(status), status, detail})
}

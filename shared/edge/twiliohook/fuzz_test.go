package twiliohook_test

import (
	"net/url"
	"testing"

	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// FuzzWebhook throws arbitrary bodies and signatures at the form parsing and signature path.
// Whatever comes in: no panic, only the documented statuses, and a 200 only for a body whose
// signature is valid for exactly its parameters (computed independently of the handler).
func FuzzWebhook(f *testing.F) {
	p := params(sid("1"), "Olá, quero uma pizza")
	f.Add(form(p), twiliotest.Sign(token, base+"/webhooks/twilio", p))
	f.Add(form(p), "bad")
	f.Add("", "")
	f.Add("From=%zz", "x")
	f.Add("Body=a&Body=b&From=whatsapp:+5511987654321", "sig")
	f.Fuzz(func(t *testing.T, body, signature string) {
		e := newEnv(t, base)
		rec := post(e, body, signature)
		switch rec.Code {
		case 200, 400, 403, 413:
		default:
			t.Fatalf("status %d for body %q", rec.Code, body)
		}
		if rec.Code != 200 {
			if e.queue.Len() != 0 {
				t.Fatalf("status %d but a message was queued", rec.Code)
			}
			return
		}
		form, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("200 for a body that is not a form: %q", body)
		}
		got := map[string]string{}
		for k, v := range form {
			got[k] = v[0]
		}
		if twiliotest.Sign(token, base+"/webhooks/twilio", got) != signature {
			t.Fatalf("200 for a signature that does not match the body: %q %q", body, signature)
		}
		if e.queue.Len() != 1 {
			t.Fatalf("accepted but queued %d", e.queue.Len())
		}
	})
}

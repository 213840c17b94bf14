package twilio_test

import (
	"testing"

	"github.com/wabot-platform/wabot/shared/twilio"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// Twilio's documented example ("Validating requests", twilio.com/docs/usage/security): the
// auth token 12345, a POST to this URL with these parameters, and its signature.
var docsExample = struct {
	token, url, signature string
	params                map[string]string
}{
	token:     "12345",
	url:       "https://mycompany.com/myapp.php?foo=1&bar=2",
	signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
	params: map[string]string{
		"CallSid": "CA1234567890ABCDE",
		"Caller":  "+12349013030",
		"Digits":  "1234",
		"From":    "+12349013030",
		"To":      "+18005551212",
	},
}

// The vector of twilio-go's own validator tests (client/request_validator_test.go).
var libraryExample = struct {
	token, url, signature string
	params                map[string]string
}{
	token:     "12345",
	url:       "https://mycompany.com/myapp.php?foo=1&bar=2",
	signature: "vOEb5UThFn24KEfnOFLQY2AE5FY=",
	params: map[string]string{
		"Digits": "1234", "CallSid": "CA1234567890ABCDE", "To": "+18005551212",
		"Caller": "+14158675309", "From": "+14158675309",
		"ReasonConferenceEnded": "test", "Reason": "Participant",
	},
}

func TestKnownVectors(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]struct {
		token, url, signature string
		params                map[string]string
	}{"docs": docsExample, "twilio-go": libraryExample} {
		if got := twiliotest.Sign(v.token, v.url, v.params); got != v.signature {
			t.Errorf("%s: Sign = %q, want %q", name, got, v.signature)
		}
		if !twilio.ValidSignature(v.token, v.url, v.params, v.signature) {
			t.Errorf("%s: ValidSignature refuses the published signature", name)
		}
	}
}

func TestValidSignature(t *testing.T) {
	t.Parallel()
	const (
		token = "localdevtoken0000000000000000001"
		url   = "https://abc123.execute-api.sa-east-1.amazonaws.com/webhooks/twilio"
	)
	params := map[string]string{
		"MessageSid": "SM0123456789abcdef0123456789abcdef", "AccountSid": "AC00000000000000000000000000000001",
		"From": "whatsapp:+5511987654321", "To": "whatsapp:+5511990000001",
		"Body": "Quero uma pizza de calabresa & uma coca", "NumMedia": "0", "ProfileName": "Maria",
	}
	sig := twiliotest.Sign(token, url, params)
	if !twilio.ValidSignature(token, url, params, sig) {
		t.Fatal("a signature made by Sign does not validate")
	}

	with := func(k, v string) map[string]string {
		p := map[string]string{}
		for kk, vv := range params {
			p[kk] = vv
		}
		if v == "" {
			delete(p, k)
		} else {
			p[k] = v
		}
		return p
	}
	cases := []struct {
		name, token, url, sig string
		params                map[string]string
	}{
		{"tampered body", token, url, sig, with("Body", "Quero dez pizzas")},
		{"tampered From", token, url, sig, with("From", "whatsapp:+5511900000000")},
		{"parameter removed", token, url, sig, with("ProfileName", "")},
		{"parameter added", token, url, sig, with("Extra", "1")},
		{"other URL", token, "https://evil.example/webhooks/twilio", sig, params},
		{"other path", token, url + "/", sig, params},
		{"query added", token, url + "?x=1", sig, params},
		{"other token", "localdevtoken0000000000000000002", url, sig, params},
		{"empty token", "", url, twiliotest.Sign("", url, params), params},
		{"empty signature", token, url, "", params},
		{"garbage signature", token, url, "not-base64!", params},
		{"signature of nothing", token, url, twiliotest.Sign(token, url, nil), params},
	}
	for _, c := range cases {
		if twilio.ValidSignature(c.token, c.url, c.params, c.sig) {
			t.Errorf("%s: validated", c.name)
		}
	}
}

// Twilio has signed URLs both with and without the default port; both are accepted.
func TestValidSignatureDefaultPort(t *testing.T) {
	t.Parallel()
	params := map[string]string{"Body": "oi"}
	sig := twiliotest.Sign("tok", "https://hooks.example.com/webhooks/twilio", params)
	if !twilio.ValidSignature("tok", "https://hooks.example.com:443/webhooks/twilio", params, sig) {
		t.Error("the URL with :443 refused a signature made without it")
	}
}

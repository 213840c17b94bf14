package twilio

import (
	twclient "github.com/twilio/twilio-go/client"
)

// ValidSignature reports whether signature (the X-Twilio-Signature header) is Twilio's
// signature of a request to url with the form parameters params, made with authToken.
//
// url must be the URL configured in Twilio, exactly (scheme, host, path and query string),
// not the one the request arrived on behind API Gateway or a proxy; params must hold every
// POST parameter received, or a parameter added by an attacker would go unchecked. Like
// twilio-go, it accepts the signature with or without the URL's default port, because
// Twilio has signed both ways.
//
// An empty token or signature never validates: an HMAC with an empty key is one anybody can
// compute, so a brand whose token is not set must not accept any request.
func ValidSignature(authToken, url string, params map[string]string, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	v := twclient.NewRequestValidator(authToken)
	return v.Validate(url, params, signature)
}

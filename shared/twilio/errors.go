package twilio

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Twilio error codes this package gives a meaning to
// (https://www.twilio.com/docs/api/errors).
const (
	// CodeAuthenticate: the account SID and auth token were refused.
	CodeAuthenticate = 20003
	// CodeTooManyRequests: Twilio's rate limit; worth retrying later.
	CodeTooManyRequests = 20429
	// CodeInvalidTo: the To number is not a valid phone number.
	CodeInvalidTo = 21211
	// CodeOutsideWindow: free text outside WhatsApp's 24-hour customer-service window; only
	// an approved template (ContentSID) can reach the customer now.
	CodeOutsideWindow = 63016
)

// ErrOutsideWindow matches, with errors.Is, Twilio's refusal of free text outside the
// 24-hour window (63016). The caller's remedy is to send a template instead. Twilio mostly
// reports 63016 later, in a status callback of a message it accepted; this covers the
// refusals that come back from the send itself.
var ErrOutsideWindow = errors.New("twilio: outside the WhatsApp 24-hour window (63016)")

// Error is Twilio's refusal of a request: the HTTP status and Twilio's error code as Twilio
// sent them, and Twilio's message with phone numbers masked and anything of the request's
// secrets or content removed, so the error can be logged as it is.
type Error struct {
	Status   int    // HTTP status
	Code     int    // Twilio error code (https://www.twilio.com/docs/api/errors/<code>)
	Message  string // Twilio's message, sanitized
	MoreInfo string // Twilio's documentation URL for Code
}

func (e *Error) Error() string {
	return fmt.Sprintf("twilio: HTTP %d, error %d: %s", e.Status, e.Code, e.Message)
}

// Is makes errors.Is(err, ErrOutsideWindow) hold for code 63016.
func (e *Error) Is(target error) bool {
	return target == ErrOutsideWindow && e.Code == CodeOutsideWindow
}

// Permanent reports whether sending the same request again cannot succeed: a 4xx, except a
// timeout (408) or a rate limit (429, 20429), which say "later" rather than "no".
func (e *Error) Permanent() bool {
	switch {
	case e.Status == http.StatusRequestTimeout, e.Status == http.StatusTooManyRequests, e.Code == CodeTooManyRequests:
		return false
	default:
		return e.Status >= 400 && e.Status < 500
	}
}

// IsPermanent reports whether retrying the send that returned err is pointless: Twilio
// refused the request itself (see Error.Permanent), or the message was refused before any
// call (EINVALID) or the brand has no credentials (ENOTFOUND) — both need a person to change
// something first. Everything else is transient: Twilio's 5xx, a rate limit, a timeout, a
// network failure, a credential source that could not be reached, an unknown error. Note
// that a transient failure may still have sent the message (a timeout after Twilio accepted
// it): a retry can duplicate it.
func IsPermanent(err error) bool { return domain.IsPermanent(err) }

// phoneLike matches what could be a phone number in Twilio's messages ("The 'To' number
// +5511987654321 is not a valid phone number."), so they can be masked.
var phoneLike = regexp.MustCompile(`\+?[0-9]{8,15}`)

// minRedact is the shortest body that is searched for in an error text: a two-letter reply
// ("ok") is found inside innocent words, and is no secret.
const minRedact = 4

// redact removes the request's secrets and content from a text that came back from Twilio
// or from the transport.
func redact(s, authToken, body string) string {
	if authToken != "" {
		s = strings.ReplaceAll(s, authToken, "[auth token]")
	}
	if len(body) >= minRedact {
		s = strings.ReplaceAll(s, body, "[message body]")
	}
	return s
}

// sanitize redacts a message of Twilio's and masks the phone numbers in it.
func sanitize(s, authToken, body string) string {
	return phoneLike.ReplaceAllStringFunc(redact(s, authToken, body), domain.Mask)
}

// toError turns what twilio-go returned into an error safe to log: Twilio's refusals
// become an *Error; other errors (network, decoding) are kept as they are, for errors.Is on
// context and net errors, unless their text holds something of the request.
func toError(err error, to, authToken, body string) error {
	var rest *twclient.TwilioRestError
	if errors.As(err, &rest) {
		// Details is free-form and may echo request fields: it is left out.
		return &Error{Status: rest.Status, Code: rest.Code, Message: sanitize(rest.Message, authToken, body), MoreInfo: rest.MoreInfo}
	}
	var v1 *twclient.RestErrorV1
	if errors.As(err, &v1) {
		return &Error{Status: v1.HttpStatusCode, Code: v1.Code, Message: sanitize(v1.Message, authToken, body)}
	}
	if text := err.Error(); redact(text, authToken, body) != text {
		// Only the text is kept: the original's chain holds what was just removed.
		return errors.New(redact(text, authToken, body))
	}
	return err
}

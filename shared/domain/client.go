package domain

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Client is a restaurant brand: one WhatsApp business number on Twilio, one or more stores.
// Stored in WhatsAppBotClientConfig, keyed by clientId. The brand's Twilio and Asaas
// credentials are not here: they live in Secrets Manager (see resourcenames.TwilioSecret).
type Client struct {
	ClientID string `dynamodbav:"clientId" json:"clientId"`
	// ClientName is the brand's display name: the seed's `name`.
	ClientName        string   `dynamodbav:"name" json:"name"`
	TwilioPhoneNumber string   `dynamodbav:"twilioPhoneNumber" json:"twilioPhoneNumber"`
	DefaultLanguage   Language `dynamodbav:"defaultLanguage" json:"defaultLanguage"`
	WelcomeMessage    string   `dynamodbav:"welcomeMessage,omitempty" json:"welcomeMessage,omitempty"`
	AIPromptTemplate  string   `dynamodbav:"aiPromptTemplate,omitempty" json:"aiPromptTemplate,omitempty"`
	// AIDailyTokenBudget is the most model tokens the brand may use in a metrics day
	// (Counts.BudgetTokens over all its stores); 0 means DefaultAIDailyTokenBudget. Read it
	// with TokenBudget. Past it the rules answer until the day ends (São Paulo's midnight).
	AIDailyTokenBudget int64 `dynamodbav:"aiDailyTokenBudget,omitempty" json:"aiDailyTokenBudget,omitempty"`
	// Texts overrides the bot's texts (seed 4.3, custom messages): text id -> language ->
	// the brand's version, used instead of the platform's default wherever the engine renders
	// that text for this brand. The ids, their arguments (fmt verbs) and defaults are the
	// conversation package's catalog (conversation.TextCatalog); an override is checked
	// against it by conversation.ValidateTexts, which the admin API calls before saving:
	// this package cannot import conversation, so Validate only bounds the sizes. The engine
	// ignores an override whose verbs do not match its text's (written around the API).
	Texts map[string]map[Language]string `dynamodbav:"texts,omitempty" json:"texts,omitempty"`
	// IsActive is the seed's `active`: an inactive brand's number gets the webhook's 403.
	IsActive bool `dynamodbav:"active" json:"active"`
	// AsaasSandbox sends the brand's charges to Asaas's sandbox instead of production; a new
	// brand starts in the sandbox (the registration writes true) until an operator says so.
	AsaasSandbox bool `dynamodbav:"asaasSandbox" json:"asaasSandbox"`
	// LogoURL is the brand's logo (admin UI, card payment page); optional, https.
	LogoURL string `dynamodbav:"logoUrl,omitempty" json:"logoUrl,omitempty"`
	// TwilioSecretARN, AsaasSecretARN and InferenceProfileARN are written by the brand's
	// registration at deploy time (the TenantClient construct) and read-only to operators.
	TwilioSecretARN     string    `dynamodbav:"twilioSecretArn,omitempty" json:"twilioSecretArn,omitempty"`
	AsaasSecretARN      string    `dynamodbav:"asaasSecretArn,omitempty" json:"asaasSecretArn,omitempty"`
	InferenceProfileARN string    `dynamodbav:"inferenceProfileArn,omitempty" json:"inferenceProfileArn,omitempty"`
	CreatedAt           time.Time `dynamodbav:"createdAt" json:"createdAt"`
	UpdatedAt           time.Time `dynamodbav:"updatedAt" json:"updatedAt"`
	// Version is the optimistic-locking counter: every successful write increments it.
	Version int64 `dynamodbav:"version" json:"version"`
}

// MaxWelcomeMessage and MaxPromptTemplate bound operator-written texts (a WhatsApp message
// body is at most 4096 characters; a prompt template is sent with every model call).
const (
	MaxWelcomeMessage = 1024
	MaxPromptTemplate = 8000
	MaxName           = 100
	// MaxTextOverride bounds one text override (Client.Texts), MaxTextOverrides all of them
	// together: the brand's configuration is read (cached) on every turn.
	MaxTextOverride  = 1024
	MaxTextOverrides = 16000
)

// The brand's daily token budget (Client.AIDailyTokenBudget).
const (
	// DefaultAIDailyTokenBudget is a brand's budget when it has none of its own: 2,000,000
	// tokens a day (Counts.BudgetTokens: full-price input, output and cache writes). At the
	// prices of docs/prices.json for Claude Haiku 4.5 on Bedrock (US$1 per million input
	// tokens, US$5 per million output tokens; a cache write costs about 1.25 times an input
	// token) that is about US$2 a day when it is all input and US$4 with a quarter of it
	// output: a day's bill a brand notices but that cannot surprise anyone, whatever a loop
	// or an abusive customer does. With a cached prompt prefix a turn costs a few thousand
	// budget tokens (its conversation tail, its answer, a tool round), so the default is
	// several hundred model turns a day, beyond what a small brand's stores see; a busier
	// brand gets its own budget. On Amazon Nova Micro (US$0.035 and US$0.14 per million) the
	// same budget is cents. (docs/prices.json has no Nova Lite price.)
	DefaultAIDailyTokenBudget int64 = 2_000_000
	// MaxAIDailyTokenBudget bounds a brand's budget: a billion tokens, US$1,000 to US$5,000 a
	// day on Claude Haiku 4.5, is a typing error rather than a budget.
	MaxAIDailyTokenBudget int64 = 1_000_000_000
)

// TokenBudget is the brand's daily token budget: AIDailyTokenBudget, or
// DefaultAIDailyTokenBudget when it is 0 (or, never valid, negative). A nil client has the
// default.
func (c *Client) TokenBudget() int64 {
	if c == nil || c.AIDailyTokenBudget <= 0 {
		return DefaultAIDailyTokenBudget
	}
	return c.AIDailyTokenBudget
}

// CheckAIDailyTokenBudget refuses a budget below 0 or above MaxAIDailyTokenBudget with
// EINVALID naming aiDailyTokenBudget; 0 (the default) is valid.
func CheckAIDailyTokenBudget(n int64) error {
	if n < 0 || n > MaxAIDailyTokenBudget {
		return InvalidField("aiDailyTokenBudget", "must be between 0 (the default, %d) and %d tokens, got %d",
			DefaultAIDailyTokenBudget, MaxAIDailyTokenBudget, n)
	}
	return nil
}

// Validate checks the client's invariants and normalises its number and language in place.
func (c *Client) Validate() error {
	if err := resourcenames.ValidateID("clientId", c.ClientID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	c.ClientName = strings.TrimSpace(c.ClientName)
	if c.ClientName == "" || utf8.RuneCountInString(c.ClientName) > MaxName {
		return Errorf(EINVALID, "name is required (at most %d characters)", MaxName)
	}
	num, err := ParseWhatsAppAddress(c.TwilioPhoneNumber)
	if err != nil {
		return Errorf(EINVALID, "twilioPhoneNumber: %s", ErrorMessage(err))
	}
	c.TwilioPhoneNumber = num
	lang, err := ParseLanguage(string(c.DefaultLanguage))
	if err != nil {
		return Errorf(EINVALID, "defaultLanguage: %s", ErrorMessage(err))
	}
	c.DefaultLanguage = lang
	if utf8.RuneCountInString(c.WelcomeMessage) > MaxWelcomeMessage {
		return Errorf(EINVALID, "welcomeMessage is longer than %d characters", MaxWelcomeMessage)
	}
	if utf8.RuneCountInString(c.AIPromptTemplate) > MaxPromptTemplate {
		return Errorf(EINVALID, "aiPromptTemplate is longer than %d characters", MaxPromptTemplate)
	}
	if err := CheckAIDailyTokenBudget(c.AIDailyTokenBudget); err != nil {
		return err
	}
	return validTextSizes(c.Texts)
}

// validTextSizes bounds the text overrides: each at most MaxTextOverride characters, all at
// most MaxTextOverrides. What they say (ids, languages, verbs) is checked by
// conversation.ValidateTexts.
func validTextSizes(texts map[string]map[Language]string) error {
	total := 0
	var fields []FieldError
	for id, versions := range texts {
		for lang, s := range versions {
			n := utf8.RuneCountInString(s)
			total += n
			if n > MaxTextOverride {
				fields = append(fields, FieldError{Field: "texts." + id + "." + string(lang), Message: fmt.Sprintf("longer than %d characters", MaxTextOverride)})
			}
		}
	}
	if total > MaxTextOverrides {
		fields = append(fields, FieldError{Field: "texts", Message: fmt.Sprintf("the overrides add up to %d characters, more than %d", total, MaxTextOverrides)})
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
	return Invalid(fields)
}

// Package tenant holds the constructs that onboard tenants: TenantClient for a brand and
// TenantStore for one of its stores. The environment's catalog (package catalog) declares one
// construct per brand and per store; onboarding is adding a line there and running cdk deploy.
//
// A brand gets its secrets, its Bedrock application inference profile and its record in
// WhatsAppBotClientConfig; a store its order queues and its record in WhatsAppBotStoreConfig.
// The records are registered by CloudFormation custom resources with the UpdateItem calls of
// package registration, which never overwrite what operators edit.
//
// Every physical name comes from shared/resourcenames, which the runtime uses too, and every resource
// is tagged with the tenant's ids so that IAM policies conditioned on aws:ResourceTag/clientId
// can confine a tenant's credentials to its own queues and secrets.
//
// Changing a construct id in the catalog changes the logical ids of named resources, which
// CloudFormation cannot replace in place: treat ids as permanent, like the tenant ids.
package tenant

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbedrock"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/tenant/registration"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// ValidateWhatsAppNumber reports whether n is a WhatsApp sender in the one spelling the
// runtime stores and compares byte for byte with Twilio's To: "whatsapp:+<E.164 digits>".
// The rule is the domain's (domain.ParseWhatsAppAddress), so infra and runtime agree.
func ValidateWhatsAppNumber(n string) error {
	canonical, err := domain.ParseWhatsAppAddress(n)
	if err != nil || canonical != n {
		return fmt.Errorf("twilio phone number %q must look like whatsapp:+5511990000001 (E.164 after whatsapp:)", n)
	}
	return nil
}

// TenantClientProps configure NewTenantClient.
type TenantClientProps struct {
	// ClientID is the brand's id (resourcenames.ValidateID): the leading key of its items, part of
	// its secret and queue names and the value of its clientId tags. Never changes.
	ClientID string
	// ClientName is the brand's display name, written into its record's name only when the
	// record has none (operators edit it afterwards). Default: ClientID.
	ClientName string
	// TwilioPhoneNumber is the brand's WhatsApp sender, "whatsapp:+5511990000001". Declared
	// here, it is written into the record on every deploy.
	TwilioPhoneNumber string
	// DefaultLanguage is the language the brand's record starts with ("pt-BR" or "en-US"),
	// written only when the record has none. Default: pt-BR.
	DefaultLanguage string
	// Model is the Bedrock model the brand's application inference profile copies, one of
	// Models. Default: DefaultModel. Changing it replaces the profile under a new name
	// (InferenceProfileName holds the model) and registers the new ARN.
	Model string
	// OnboardedAt is the day the brand was added to the catalog, written into its record's
	// createdAt only when the record has none. A template has no clock to read at deploy time,
	// so the catalog states it (and the template stays the same from one synth to the next).
	OnboardedAt time.Time
	// Key encrypts the brand's secrets and its stores' queues (the environment's data key).
	Key awskms.IKey
	// ClientTable is the environment's WhatsAppBotClientConfig table, where the brand
	// registers its record.
	ClientTable awsdynamodb.ITable
	// StoreTable is the environment's WhatsAppBotStoreConfig table: each store of the brand
	// registers its record there (see NewTenantStore).
	StoreTable awsdynamodb.ITable
	// Settings of the environment: name, removal policy and log retention.
	Settings config.Settings
}

// withDefaults returns p with its optional fields filled in.
func (p TenantClientProps) withDefaults() TenantClientProps {
	if p.ClientName == "" {
		p.ClientName = p.ClientID
	}
	if p.DefaultLanguage == "" {
		p.DefaultLanguage = string(domain.PtBR)
	}
	if p.Model == "" {
		p.Model = DefaultModel
	}
	return p
}

// Validate reports the first problem with p, or nil.
func (p *TenantClientProps) Validate() error {
	if p == nil {
		return errors.New("tenant client props are required")
	}
	if err := resourcenames.ValidateID("clientId", p.ClientID); err != nil {
		return err
	}
	if err := validateName("client name", p.ClientName); err != nil {
		return fmt.Errorf("client %q: %w", p.ClientID, err)
	}
	if err := ValidateWhatsAppNumber(p.TwilioPhoneNumber); err != nil {
		return fmt.Errorf("client %q: %w", p.ClientID, err)
	}
	if p.DefaultLanguage != "" {
		if lang, err := domain.ParseLanguage(p.DefaultLanguage); err != nil || string(lang) != p.DefaultLanguage {
			return fmt.Errorf("client %q: default language %q must be %q or %q", p.ClientID, p.DefaultLanguage, domain.PtBR, domain.EnUS)
		}
	}
	if p.Model != "" {
		if _, ok := ModelByID(p.Model); !ok {
			return fmt.Errorf("client %q: unknown model %q (one of %s)", p.ClientID, p.Model, strings.Join(ModelIDs(), ", "))
		}
	}
	if p.OnboardedAt.IsZero() {
		return fmt.Errorf("client %q: OnboardedAt is required (the day the brand is added to the catalog)", p.ClientID)
	}
	if p.Key == nil {
		return fmt.Errorf("client %q: the KMS key is required", p.ClientID)
	}
	if p.ClientTable == nil {
		return fmt.Errorf("client %q: the client config table is required (the brand registers its record in it)", p.ClientID)
	}
	if p.StoreTable == nil {
		return fmt.Errorf("client %q: the store config table is required (stores register their queues in it)", p.ClientID)
	}
	if !resourcenames.ValidEnv(p.Settings.Env) {
		return fmt.Errorf("client %q: unknown environment %q", p.ClientID, p.Settings.Env)
	}
	if err := validateInferenceProfileName(InferenceProfileName(p.Settings.Env, p.ClientID, cmp.Or(p.Model, DefaultModel))); err != nil {
		return fmt.Errorf("client %q: %w", p.ClientID, err)
	}
	return nil
}

// validateName checks an optional display name: empty (the default applies) or 1 to
// domain.MaxName characters without surrounding spaces, as the domain accepts it.
func validateName(what, name string) error {
	if name == "" {
		return nil
	}
	if strings.TrimSpace(name) != name || utf8.RuneCountInString(name) > domain.MaxName {
		return fmt.Errorf("%s %q must be at most %d characters, without leading or trailing spaces", what, name, domain.MaxName)
	}
	return nil
}

// formatTime is how registration writes createdAt: RFC 3339 in UTC, as the domain's
// time.Time attributes are stored.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// TenantClient is one brand: its credentials secrets and the stores declared under it.
type TenantClient interface {
	constructs.Construct
	// ClientID is the brand's id.
	ClientID() string
	// TwilioPhoneNumber is the brand's WhatsApp sender, as Twilio sends it in To.
	TwilioPhoneNumber() string
	// TwilioSecret holds {"accountSid", "authToken"}, named resourcenames.TwilioSecret.
	TwilioSecret() awssecretsmanager.ISecret
	// AsaasSecret holds {"apiKey", "webhookToken"}, named resourcenames.AsaasSecret.
	AsaasSecret() awssecretsmanager.ISecret
	// ClientName is the name the brand's record starts with (operators may change it).
	ClientName() string
	// DefaultLanguage is the language the brand's record starts with.
	DefaultLanguage() string
	// Model is the Bedrock model id the brand's inference profile copies (one of Models).
	Model() string
	// OnboardedAt is the brand's catalog date; its stores default to it.
	OnboardedAt() time.Time
	// InferenceProfile is the brand's Bedrock application inference profile, named
	// InferenceProfileName and tagged clientId: the runtime invokes the model through it, so
	// that usage and cost are the brand's and IAM can confine a tenant's credentials to it.
	InferenceProfile() awsbedrock.CfnApplicationInferenceProfile
	// InferenceProfileArn is InferenceProfile's ARN, registered in the brand's record.
	InferenceProfileArn() *string
	// Registration is the custom resource (Custom::AWS) that registers the brand in its
	// record of WhatsAppBotClientConfig: registration.ClientUpsert on create and update,
	// registration.ClientDeactivate on delete.
	Registration() customresources.AwsCustomResource
	// ClientTable is the environment's WhatsAppBotClientConfig table.
	ClientTable() awsdynamodb.ITable
	// Key encrypts the brand's resources; its stores use it too.
	Key() awskms.IKey
	// StoreTable is WhatsAppBotStoreConfig, where the brand's stores register their queues.
	StoreTable() awsdynamodb.ITable
	// Settings are the environment's settings; its stores use them too.
	Settings() config.Settings
	// Stores lists the brand's stores in declaration order.
	Stores() []TenantStore

	// addStore is unexported so that only this package implements TenantClient: every store
	// registers with its brand, which Stores and the duplicate-store check rely on.
	addStore(TenantStore)
}

type tenantClient struct {
	constructs.Construct
	props        TenantClientProps
	twilioSecret awssecretsmanager.ISecret
	asaasSecret  awssecretsmanager.ISecret
	profile      awsbedrock.CfnApplicationInferenceProfile
	registration customresources.AwsCustomResource
	stores       []TenantStore
}

func (c *tenantClient) ClientID() string                        { return c.props.ClientID }
func (c *tenantClient) TwilioPhoneNumber() string               { return c.props.TwilioPhoneNumber }
func (c *tenantClient) TwilioSecret() awssecretsmanager.ISecret { return c.twilioSecret }
func (c *tenantClient) AsaasSecret() awssecretsmanager.ISecret  { return c.asaasSecret }
func (c *tenantClient) ClientName() string                      { return c.props.ClientName }
func (c *tenantClient) DefaultLanguage() string                 { return c.props.DefaultLanguage }
func (c *tenantClient) Model() string                           { return c.props.Model }
func (c *tenantClient) OnboardedAt() time.Time                  { return c.props.OnboardedAt }
func (c *tenantClient) ClientTable() awsdynamodb.ITable         { return c.props.ClientTable }
func (c *tenantClient) InferenceProfileArn() *string            { return c.profile.AttrInferenceProfileArn() }
func (c *tenantClient) Key() awskms.IKey                        { return c.props.Key }
func (c *tenantClient) StoreTable() awsdynamodb.ITable          { return c.props.StoreTable }
func (c *tenantClient) Settings() config.Settings               { return c.props.Settings }

func (c *tenantClient) InferenceProfile() awsbedrock.CfnApplicationInferenceProfile {
	return c.profile
}

func (c *tenantClient) Registration() customresources.AwsCustomResource {
	return c.registration
}

func (c *tenantClient) Stores() []TenantStore {
	return append([]TenantStore(nil), c.stores...)
}

func (c *tenantClient) addStore(s TenantStore) { c.stores = append(c.stores, s) }

// secretRotationReason explains the AwsSolutions-SMG4 suppression on every tenant secret.
const secretRotationReason = "Tenant secrets hold vendor credentials (Twilio auth token, Asaas API key) " +
	"that only the vendor can issue: they are rotated in the vendor's console and the new value is " +
	"put by an operator (aws secretsmanager put-secret-value). A rotation Lambda cannot mint them."

// NewTenantClient creates a brand's secrets and its Bedrock application inference profile,
// and registers the brand in its record of WhatsAppBotClientConfig. It panics on invalid
// props: a CDK app has no caller to return an error to, and failing the synth with the reason
// is the useful outcome.
//
// The secrets are created with placeholder values (a random authToken or apiKey and empty
// companion fields), never real credentials: operators set the real values after deploy with
// aws secretsmanager put-secret-value. Until then the webhook cannot validate the brand's
// Twilio signatures and refuses its traffic, which is the safe failure.
func NewTenantClient(scope constructs.Construct, id string, props *TenantClientProps) TenantClient {
	if err := props.Validate(); err != nil {
		panic("tenant: " + err.Error())
	}
	p := props.withDefaults()
	env := p.Settings.Env
	// Registered with _Override so that the Go value itself is the construct: stores pass
	// their client as scope, and jsii can only hand a Go value to JavaScript if it is.
	this := &tenantClient{props: p}
	constructs.NewConstruct_Override(this, scope, jsii.String(id))
	awscdk.Tags_Of(this).Add(jsii.String(resourcenames.TagClientID), jsii.String(p.ClientID), nil)

	newSecret := func(id, name, what, template, generatedKey string) awssecretsmanager.Secret {
		secret := awssecretsmanager.NewSecret(this, jsii.String(id), &awssecretsmanager.SecretProps{
			SecretName:    jsii.String(name),
			Description:   jsii.String(fmt.Sprintf("wabot %s: %s credentials of client %s (set by operators)", env, what, p.ClientID)),
			EncryptionKey: p.Key,
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				SecretStringTemplate: jsii.String(template),
				GenerateStringKey:    jsii.String(generatedKey),
			},
			RemovalPolicy: p.Settings.RemovalPolicy,
		})
		cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("AwsSolutions-SMG4"),
			Reason: jsii.String(secretRotationReason),
		}}, jsii.Bool(false))
		return secret
	}

	this.twilioSecret = newSecret("TwilioSecret", resourcenames.TwilioSecret(env, p.ClientID), "Twilio", `{"accountSid":""}`, "authToken")
	this.asaasSecret = newSecret("AsaasSecret", resourcenames.AsaasSecret(env, p.ClientID), "Asaas", `{"webhookToken":""}`, "apiKey")

	// Tagged clientId by the Tags aspect above and with the application's tags by the stack.
	// No removal policy: a profile holds no data, and deleting it with the brand frees its
	// name for the brand's return.
	model, _ := ModelByID(p.Model)
	this.profile = awsbedrock.NewCfnApplicationInferenceProfile(this, jsii.String("InferenceProfile"), &awsbedrock.CfnApplicationInferenceProfileProps{
		InferenceProfileName: jsii.String(InferenceProfileName(env, p.ClientID, model.ID)),
		// Bedrock holds descriptions to the name's pattern: no parentheses, one separator in a row.
		Description: jsii.String(fmt.Sprintf("wabot %s: model calls of client %s via %s", env, p.ClientID, model.ID)),
		ModelSource: &awsbedrock.CfnApplicationInferenceProfile_InferenceProfileModelSourceProperty{
			CopyFrom: model.stackSourceARN(),
		},
	})

	table := p.ClientTable
	this.registration = register(this, "Registration", table, p.Settings, p.ClientID,
		registration.ClientUpsert(*table.TableName(), registration.Client{
			ClientID:            p.ClientID,
			TwilioPhoneNumber:   p.TwilioPhoneNumber,
			TwilioSecretARN:     *this.twilioSecret.SecretArn(),
			AsaasSecretARN:      *this.asaasSecret.SecretArn(),
			InferenceProfileARN: *this.profile.AttrInferenceProfileArn(),
			Name:                p.ClientName,
			DefaultLanguage:     p.DefaultLanguage,
			CreatedAt:           formatTime(p.OnboardedAt),
		}),
		registration.ClientDeactivate(*table.TableName(), p.ClientID))
	return this
}

// CheckUnique reports brands that share a clientId or a WhatsApp number. Two brands on one
// number would make the webhook's lookup by To ambiguous, so a catalog with them must not
// deploy.
func CheckUnique(clients []TenantClient) error {
	ids := map[string]bool{}
	numbers := map[string]string{}
	for _, c := range clients {
		if ids[c.ClientID()] {
			return fmt.Errorf("client %q is declared twice", c.ClientID())
		}
		ids[c.ClientID()] = true
		if other, ok := numbers[c.TwilioPhoneNumber()]; ok {
			return fmt.Errorf("clients %q and %q share the number %s", other, c.ClientID(), c.TwilioPhoneNumber())
		}
		numbers[c.TwilioPhoneNumber()] = c.ClientID()
	}
	return nil
}

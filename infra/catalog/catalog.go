// Package catalog declares the tenants of each environment: one function per environment
// that adds a tenant.TenantClient per brand and a tenant.TenantStore per store. It is the
// only place where tenants are onboarded; the constructs provision everything else.
package catalog

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Deps are what every tenant construct of an environment shares.
type Deps struct {
	// Key is the environment's data key.
	Key awskms.IKey
	// ClientTable is the environment's WhatsAppBotClientConfig table, where every brand
	// registers its record.
	ClientTable awsdynamodb.ITable
	// StoreTable is the environment's WhatsAppBotStoreConfig table, where every store
	// registers its record and order queue.
	StoreTable awsdynamodb.ITable
	// Settings are the environment's settings.
	Settings config.Settings
}

// Func declares an environment's tenants under scope and returns its brands (each with its
// stores), so that the stack can check them and wire functions to them.
type Func func(scope constructs.Construct, deps Deps) []tenant.TenantClient

// For returns the catalog of env.
func For(env string) (Func, error) {
	switch env {
	case resourcenames.EnvDev:
		return Dev, nil
	case resourcenames.EnvStaging:
		return Staging, nil
	case resourcenames.EnvProd:
		return Prod, nil
	default:
		return nil, fmt.Errorf("no tenant catalog for environment %q", env)
	}
}

// day is a catalog date (OnboardedAt): midnight UTC.
func day(year int, month time.Month, d int) time.Time {
	return time.Date(year, month, d, 0, 0, 0, 0, time.UTC)
}

// Dev holds the demo tenants that the local stack seeds and the tests use. Two brands, so that
// isolation between brands is exercised; two stores under one brand, so that store selection
// is; two models and both languages. Names and languages are the demo seed's (a test in
// package stacks keeps them equal).
func Dev(scope constructs.Construct, d Deps) []tenant.TenantClient {
	pizzaria := tenant.NewTenantClient(scope, "demo-pizzaria", &tenant.TenantClientProps{
		ClientID:          "demo-pizzaria",
		ClientName:        "Pizzaria Demo",
		TwilioPhoneNumber: "whatsapp:+5511990000001",
		OnboardedAt:       day(2025, time.January, 1),
		Key:               d.Key,
		ClientTable:       d.ClientTable,
		StoreTable:        d.StoreTable,
		Settings:          d.Settings,
	})
	tenant.NewTenantStore(pizzaria, "centro", &tenant.TenantStoreProps{Client: pizzaria, StoreID: "centro", StoreName: "Centro"})
	tenant.NewTenantStore(pizzaria, "paulista", &tenant.TenantStoreProps{Client: pizzaria, StoreID: "paulista", StoreName: "Paulista"})

	burger := tenant.NewTenantClient(scope, "demo-burger", &tenant.TenantClientProps{
		ClientID:          "demo-burger",
		ClientName:        "Burger Demo",
		TwilioPhoneNumber: "whatsapp:+5511990000002",
		DefaultLanguage:   "en-US",
		Model:             "anthropic.claude-3-5-haiku-20241022-v1:0",
		OnboardedAt:       day(2025, time.January, 1),
		Key:               d.Key,
		ClientTable:       d.ClientTable,
		StoreTable:        d.StoreTable,
		Settings:          d.Settings,
	})
	tenant.NewTenantStore(burger, "vila-madalena", &tenant.TenantStoreProps{Client: burger, StoreID: "vila-madalena", StoreName: "Vila Madalena"})

	return []tenant.TenantClient{pizzaria, burger}
}

// Staging has no tenants yet. To onboard a brand with one store, add (ids are permanent:
// they name the brand's queues and secrets and its keys in every table):
//
//	func Staging(scope constructs.Construct, d Deps) []tenant.TenantClient {
//		acme := tenant.NewTenantClient(scope, "acme-pizza", &tenant.TenantClientProps{
//			ClientID:          "acme-pizza",
//			ClientName:        "Acme Pizza",
//			TwilioPhoneNumber: "whatsapp:+5511912345678",
//			OnboardedAt:       day(2025, time.July, 1), // the day of this change
//			Key:               d.Key,
//			ClientTable:       d.ClientTable,
//			StoreTable:        d.StoreTable,
//			Settings:          d.Settings,
//		})
//		tenant.NewTenantStore(acme, "moema", &tenant.TenantStoreProps{Client: acme, StoreID: "moema", StoreName: "Moema"})
//		return []tenant.TenantClient{acme}
//	}
//
// (DefaultLanguage defaults to pt-BR and Model to tenant.DefaultModel.) Then deploy (npx cdk
// deploy -c env=staging): the brand's record in WhatsAppBotClientConfig gets its number, its
// secrets' and inference profile's ARNs, and, where absent, name, defaultLanguage, active
// (true), asaasSandbox (true) and createdAt; each store's record in WhatsAppBotStoreConfig
// gets its queue's URL and ARN and, where absent, storeName, active (false: a new store has
// no address, hours or payment methods yet) and createdAt. Operators complete the store's
// record (address, hours, delivery ...) and activate it through the admin API; a later deploy
// never overwrites their edits. Then set the brand's credentials:
//
//	aws secretsmanager put-secret-value --secret-id wabot/staging/acme-pizza/twilio \
//	  --secret-string '{"accountSid":"AC...","authToken":"..."}'
//	aws secretsmanager put-secret-value --secret-id wabot/staging/acme-pizza/asaas \
//	  --secret-string '{"apiKey":"...","webhookToken":"..."}'
//
// A further store of an existing brand is one more tenant.NewTenantStore line. Removing a
// store's or a brand's line deactivates its record (active = false) at the next deploy; the
// record is never deleted.
func Staging(scope constructs.Construct, d Deps) []tenant.TenantClient {
	return nil
}

// Prod has no tenants yet. Onboarding works exactly as documented on Staging, in this
// function and with -c env=prod; secret names start with wabot/prod/.
func Prod(scope constructs.Construct, d Deps) []tenant.TenantClient {
	return nil
}

// Package catalog declares the tenants of each environment: one function per environment
// that adds a tenant.TenantClient per brand and a tenant.TenantStore per store. It is the
// only place where tenants are onboarded; the constructs provision everything else.
package catalog

import (
	"fmt"

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
	// StoreTable is the environment's WhatsAppBotStoreConfig table, where every store
	// registers its order queue.
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

// Dev holds the demo tenants that the local stack seeds and the tests use. Two brands, so that
// isolation between brands is exercised; two stores under one brand, so that store selection is.
func Dev(scope constructs.Construct, d Deps) []tenant.TenantClient {
	pizzaria := tenant.NewTenantClient(scope, "demo-pizzaria", &tenant.TenantClientProps{
		ClientID:          "demo-pizzaria",
		TwilioPhoneNumber: "whatsapp:+5511990000001",
		Key:               d.Key,
		StoreTable:        d.StoreTable,
		Settings:          d.Settings,
	})
	tenant.NewTenantStore(pizzaria, "centro", &tenant.TenantStoreProps{Client: pizzaria, StoreID: "centro"})
	tenant.NewTenantStore(pizzaria, "paulista", &tenant.TenantStoreProps{Client: pizzaria, StoreID: "paulista"})

	burger := tenant.NewTenantClient(scope, "demo-burger", &tenant.TenantClientProps{
		ClientID:          "demo-burger",
		TwilioPhoneNumber: "whatsapp:+5511990000002",
		Key:               d.Key,
		StoreTable:        d.StoreTable,
		Settings:          d.Settings,
	})
	tenant.NewTenantStore(burger, "vila-madalena", &tenant.TenantStoreProps{Client: burger, StoreID: "vila-madalena"})

	return []tenant.TenantClient{pizzaria, burger}
}

// Staging has no tenants yet. To onboard a brand with one store, add (ids are permanent:
// they name the brand's queues and secrets and its keys in every table):
//
//	func Staging(scope constructs.Construct, d Deps) []tenant.TenantClient {
//		acme := tenant.NewTenantClient(scope, "acme-pizza", &tenant.TenantClientProps{
//			ClientID:          "acme-pizza",
//			TwilioPhoneNumber: "whatsapp:+5511912345678",
//			Key:               d.Key,
//			StoreTable:        d.StoreTable,
//			Settings:          d.Settings,
//		})
//		tenant.NewTenantStore(acme, "moema", &tenant.TenantStoreProps{Client: acme, StoreID: "moema"})
//		return []tenant.TenantClient{acme}
//	}
//
// then deploy (npx cdk deploy -c env=staging): each store's queue URL and ARN are written into
// its WhatsAppBotStoreConfig record (sqsQueueUrl, sqsQueueArn), creating a bare record if
// none exists yet; operators complete the record (name, hours, isActive ...). Then set the
// brand's credentials:
//
//	aws secretsmanager put-secret-value --secret-id wabot/staging/acme-pizza/twilio \
//	  --secret-string '{"accountSid":"AC...","authToken":"..."}'
//	aws secretsmanager put-secret-value --secret-id wabot/staging/acme-pizza/asaas \
//	  --secret-string '{"apiKey":"...","webhookToken":"..."}'
//
// A further store of an existing brand is one more tenant.NewTenantStore line.
func Staging(scope constructs.Construct, d Deps) []tenant.TenantClient {
	return nil
}

// Prod has no tenants yet. Onboarding works exactly as documented on Staging, in this
// function and with -c env=prod; secret names start with wabot/prod/.
func Prod(scope constructs.Construct, d Deps) []tenant.TenantClient {
	return nil
}

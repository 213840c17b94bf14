// Package demo holds the demo brands and stores of the local stack (`make dev`) and seeds them.
// These values are for the local emulator only: the auth tokens below are published in the
// README and are never valid Twilio credentials. The dev tenant catalog in infra/ declares
// the same brands and stores (a test keeps the two in step).
package demo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Demo brand ids and numbers.
const (
	PizzariaID     = "demo-pizzaria"
	PizzariaNumber = "whatsapp:+5511990000001"
	PizzariaToken  = "localdevtoken0000000000000000001"
	BurgerID       = "demo-burger"
	BurgerNumber   = "whatsapp:+5511990000002"
	BurgerToken    = "localdevtoken0000000000000000002"
)

// TwilioCredentials is the JSON value of a brand's Twilio secret (resourcenames.TwilioSecret).
type TwilioCredentials struct {
	AccountSID string `json:"accountSid"`
	AuthToken  string `json:"authToken"`
}

// Tenant is one demo brand with its stores and its Twilio credentials.
type Tenant struct {
	Client domain.Client
	Stores []domain.Store
	Twilio TwilioCredentials
}

func everyDay(open, close string) domain.OperatingHours {
	oh := domain.OperatingHours{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		oh[d] = []domain.TimeRange{{Open: open, Close: close}}
	}
	return oh
}

// Tenants returns the demo data, a fresh copy on every call.
func Tenants() []Tenant {
	pizzaHours := everyDay("18:00", "23:30")
	pizzaHours["friday"] = []domain.TimeRange{{Open: "18:00", Close: "01:00"}}
	pizzaHours["saturday"] = []domain.TimeRange{{Open: "18:00", Close: "01:00"}}
	pizzaDelivery := domain.DeliveryConfig{
		DeliveryEnabled: true, PickupEnabled: true, DeliveryFeeCents: 799, MinimumOrderCents: 3000,
		FreeDeliveryAboveCents: 12000, DeliveryRadiusKm: 5, EstimatedMinutes: 45,
	}
	return []Tenant{
		{
			Client: domain.Client{
				ClientID: PizzariaID, ClientName: "Pizzaria Demo", TwilioPhoneNumber: PizzariaNumber,
				DefaultLanguage: domain.PtBR, IsActive: true,
				WelcomeMessage:   "Olá! Bem-vindo à Pizzaria Demo 🍕. Quer ver o cardápio?",
				AIPromptTemplate: "Você é o atendente simpático da Pizzaria Demo. Responda em português do Brasil, de forma breve.",
			},
			Twilio: TwilioCredentials{AccountSID: "AC00000000000000000000000000000001", AuthToken: PizzariaToken},
			Stores: []domain.Store{
				{
					ClientID: PizzariaID, StoreID: "centro", StoreName: "Centro", IsActive: true,
					Address: domain.Address{Street: "Rua XV de Novembro", Number: "100", Neighborhood: "Centro",
						City: "São Paulo", State: "SP", PostalCode: "01013-000"},
					PhoneNumber: "+551130000001", Timezone: domain.DefaultTimezone, OperatingHours: pizzaHours,
					DeliveryConfig: pizzaDelivery,
					PaymentMethods: []domain.PaymentMethod{domain.PaymentPIX, domain.PaymentCredit},
				},
				{
					ClientID: PizzariaID, StoreID: "paulista", StoreName: "Paulista", IsActive: true,
					Address: domain.Address{Street: "Avenida Paulista", Number: "1500", Neighborhood: "Bela Vista",
						City: "São Paulo", State: "SP", PostalCode: "01310-200"},
					PhoneNumber: "+551130000002", Timezone: domain.DefaultTimezone, OperatingHours: pizzaHours,
					DeliveryConfig: pizzaDelivery,
					PaymentMethods: []domain.PaymentMethod{domain.PaymentPIX, domain.PaymentCredit},
				},
			},
		},
		{
			Client: domain.Client{
				ClientID: BurgerID, ClientName: "Burger Demo", TwilioPhoneNumber: BurgerNumber,
				DefaultLanguage: domain.EnUS, IsActive: true,
				WelcomeMessage:   "Hi! Welcome to Burger Demo 🍔. Want to see the menu?",
				AIPromptTemplate: "You are Burger Demo's friendly assistant. Answer briefly in English.",
			},
			Twilio: TwilioCredentials{AccountSID: "AC00000000000000000000000000000002", AuthToken: BurgerToken},
			Stores: []domain.Store{
				{
					ClientID: BurgerID, StoreID: "vila-madalena", StoreName: "Vila Madalena", IsActive: true,
					Address: domain.Address{Street: "Rua Aspicuelta", Number: "300", Neighborhood: "Vila Madalena",
						City: "São Paulo", State: "SP", PostalCode: "05433-010"},
					PhoneNumber: "+551130000003", Timezone: domain.DefaultTimezone,
					OperatingHours: everyDay("11:00", "23:00"),
					DeliveryConfig: domain.DeliveryConfig{DeliveryEnabled: true, PickupEnabled: true,
						DeliveryFeeCents: 599, MinimumOrderCents: 2500, DeliveryRadiusKm: 4, EstimatedMinutes: 35},
					PaymentMethods: []domain.PaymentMethod{domain.PaymentPIX, domain.PaymentCredit, domain.PaymentDebit},
				},
			},
		},
	}
}

// SecretWriter is the slice of Secrets Manager the seed uses.
type SecretWriter interface {
	PutSecretValue(context.Context, *secretsmanager.PutSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

// Seed creates the demo brands and stores where they are absent (what exists, perhaps edited
// through the admin API, is kept) and puts the demo Twilio credentials into each brand's
// secret, which the template's secrets already created.
func Seed(ctx context.Context, env string, clients domain.ClientRepository, stores domain.StoreRepository, sm SecretWriter) error {
	for _, t := range Tenants() {
		c := t.Client
		if err := clients.CreateClient(ctx, &c); err != nil && !domain.IsConflict(err) {
			return fmt.Errorf("seed client %s: %w", c.ClientID, err)
		}
		for _, s := range t.Stores {
			s := s
			if err := stores.CreateStore(ctx, &s); err != nil && !domain.IsConflict(err) {
				return fmt.Errorf("seed store %s/%s: %w", s.ClientID, s.StoreID, err)
			}
		}
		value, err := json.Marshal(t.Twilio)
		if err != nil {
			return err
		}
		if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId:     aws.String(resourcenames.TwilioSecret(env, c.ClientID)),
			SecretString: aws.String(string(value)),
		}); err != nil {
			return fmt.Errorf("seed Twilio secret of %s: %w", c.ClientID, err)
		}
	}
	return nil
}

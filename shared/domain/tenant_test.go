package domain_test

import (
	"context"
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
)

func TestTenantContext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if got := domain.TenantFromContext(ctx); got != "" {
		t.Errorf("TenantFromContext(background) = %q, want \"\"", got)
	}
	ctx = domain.NewContextWithTenant(ctx, "demo")
	if got := domain.TenantFromContext(ctx); got != "demo" {
		t.Errorf("TenantFromContext = %q, want demo", got)
	}
	// An unrelated value under a string key must not be read as the tenant.
	type otherKey string
	other := context.WithValue(context.Background(), otherKey("tenant"), "demo")
	if got := domain.TenantFromContext(other); got != "" {
		t.Errorf("TenantFromContext read a foreign key: %q", got)
	}
}

func TestCheckTenant(t *testing.T) {
	t.Parallel()
	bg := context.Background()
	tests := []struct {
		name     string
		ctx      context.Context
		clientID string
		wantCode string // "" for no error
	}{
		{name: "no tenant in ctx fails closed", ctx: bg, clientID: "demo-pizzaria", wantCode: domain.EFORBIDDEN},
		{name: "empty tenant fails closed", ctx: domain.NewContextWithTenant(bg, ""), clientID: "demo-pizzaria", wantCode: domain.EFORBIDDEN},
		{name: "platform scope", ctx: domain.NewPlatformContext(bg), clientID: "demo-pizzaria"},
		{name: "platform narrowed to a tenant", ctx: domain.NewContextWithTenant(domain.NewPlatformContext(bg), "other-brand"), clientID: "demo-pizzaria", wantCode: domain.EFORBIDDEN},
		{name: "tenant widened to platform", ctx: domain.NewPlatformContext(domain.NewContextWithTenant(bg, "other-brand")), clientID: "demo-pizzaria"},
		{name: "invalid id in platform scope", ctx: domain.NewPlatformContext(bg), clientID: "Demo", wantCode: domain.EINVALID},
		{name: "same tenant", ctx: domain.NewContextWithTenant(bg, "demo-pizzaria"), clientID: "demo-pizzaria"},
		{name: "other tenant", ctx: domain.NewContextWithTenant(bg, "other-brand"), clientID: "demo-pizzaria", wantCode: domain.EFORBIDDEN},
		{name: "tenant differing only in case", ctx: domain.NewContextWithTenant(bg, "Demo-pizzaria"), clientID: "demo-pizzaria", wantCode: domain.EFORBIDDEN},
		{name: "prefix of tenant", ctx: domain.NewContextWithTenant(bg, "demo-pizzaria"), clientID: "demo", wantCode: domain.EFORBIDDEN},
		{name: "invalid id without tenant", ctx: bg, clientID: "Demo", wantCode: domain.EINVALID},
		{name: "empty id without tenant", ctx: bg, clientID: "", wantCode: domain.EINVALID},
		{name: "invalid id equal to tenant", ctx: domain.NewContextWithTenant(bg, "Demo"), clientID: "Demo", wantCode: domain.EINVALID},
		{name: "invalid id with other tenant", ctx: domain.NewContextWithTenant(bg, "demo"), clientID: "x y", wantCode: domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := domain.CheckTenant(tt.ctx, tt.clientID)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("CheckTenant(%q) error = %v", tt.clientID, err)
				}
				return
			}
			assertCode(t, err, tt.wantCode)
		})
	}
}

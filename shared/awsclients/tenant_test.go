package awsclients

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// fakeSTS answers AssumeRole as STS does, with credentials that expire after ttl, and keeps
// every request.
type fakeSTS struct {
	ttl  time.Duration
	mu   sync.Mutex
	reqs []*sts.AssumeRoleInput
}

func (f *fakeSTS) AssumeRole(_ context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, in)
	n := len(f.reqs)
	return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{
		AccessKeyId:     aws.String(fmt.Sprintf("ASIA%016d", n)),
		SecretAccessKey: aws.String("secret"),
		SessionToken:    aws.String("token"),
		Expiration:      aws.Time(time.Now().Add(f.ttl)),
	}}, nil
}

func (f *fakeSTS) requests() []*sts.AssumeRoleInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*sts.AssumeRoleInput(nil), f.reqs...)
}

func platformConfig() aws.Config {
	return aws.Config{Region: "sa-east-1", Credentials: credentials.NewStaticCredentialsProvider("PLATFORM", "s", "")}
}

const role = "arn:aws:iam::111111111111:role/wabot-dev-tenant-access"

// keyOf is the access key a tenant's DynamoDB client signs with.
func keyOf(t *testing.T, s *TenantSessions, tenant string) string {
	t.Helper()
	c, err := s.DynamoDB(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := c.Options().Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return creds.AccessKeyID
}

// The platform scope keeps the function's own credentials; each brand gets a session of the
// tenant role tagged with it, assumed once and reused by all its clients until near expiry.
func TestTenantSessionsTagEachBrand(t *testing.T) {
	t.Parallel()
	fake := &fakeSTS{ttl: time.Hour}
	s := newTenantSessions(platformConfig(), role, fake)
	if k := keyOf(t, s, ""); k != "PLATFORM" {
		t.Errorf("platform scope signs with %q, want the function's own key", k)
	}
	burger := keyOf(t, s, "demo-burger")
	if again := keyOf(t, s, "demo-burger"); again != burger {
		t.Errorf("second call for a brand used %q, want the cached %q", again, burger)
	}
	pizzaria := keyOf(t, s, "demo-pizzaria")
	if pizzaria == burger || pizzaria == "PLATFORM" || burger == "PLATFORM" {
		t.Errorf("keys: burger %q, pizzaria %q: want a session of each brand's own", burger, pizzaria)
	}
	for _, get := range []func() (any, error){
		func() (any, error) { return s.SQS(context.Background(), "demo-burger") },
		func() (any, error) { return s.SecretsManager(context.Background(), "demo-burger") },
	} {
		if _, err := get(); err != nil {
			t.Fatal(err)
		}
	}
	reqs := fake.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d AssumeRole calls, want one per brand (2)", len(reqs))
	}
	for i, want := range []string{"demo-burger", "demo-pizzaria"} {
		in := reqs[i]
		if aws.ToString(in.RoleArn) != role || aws.ToString(in.RoleSessionName) != "wabot-"+want ||
			aws.ToInt32(in.DurationSeconds) != int32(SessionDuration/time.Second) {
			t.Errorf("AssumeRole %d: role %s session %s duration %d", i, aws.ToString(in.RoleArn), aws.ToString(in.RoleSessionName), aws.ToInt32(in.DurationSeconds))
		}
		if len(in.Tags) != 1 || aws.ToString(in.Tags[0].Key) != "clientId" || aws.ToString(in.Tags[0].Value) != want {
			t.Errorf("AssumeRole %d tags %+v, want exactly clientId=%s", i, in.Tags, want)
		}
	}
}

// Credentials within SessionRenewBefore of their expiry (less its jitter, a fifth at most)
// are renewed before use.
func TestTenantSessionsRenewBeforeExpiry(t *testing.T) {
	t.Parallel()
	fake := &fakeSTS{ttl: SessionRenewBefore*4/5 - time.Second}
	s := newTenantSessions(platformConfig(), role, fake)
	first := keyOf(t, s, "demo-burger")
	if second := keyOf(t, s, "demo-burger"); second == first {
		t.Errorf("credentials about to expire were used again (%s)", first)
	}
	if n := len(fake.requests()); n != 2 {
		t.Errorf("%d AssumeRole calls, want a renewal", n)
	}
}

// A session is never tagged with something that is not a brand id, and the role is required.
func TestTenantSessionsRefuseBadTenants(t *testing.T) {
	t.Parallel()
	fake := &fakeSTS{ttl: time.Hour}
	s := newTenantSessions(platformConfig(), role, fake)
	for _, bad := range []string{"Demo", "demo#burger", "*", "demo-burger/x", "a-very-long-client-id-over-24"} {
		if _, err := s.DynamoDB(context.Background(), bad); err == nil {
			t.Errorf("tenant %q: no error", bad)
		}
	}
	if n := len(fake.requests()); n != 0 {
		t.Errorf("%d AssumeRole calls for invalid tenants", n)
	}
	if _, err := NewTenantSessions(platformConfig(), ""); err == nil {
		t.Error("no error without a role ARN")
	}
}

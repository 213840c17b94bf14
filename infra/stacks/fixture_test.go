package stacks_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/stacks"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// fixture is one environment's app, synthesized once and shared by every test: synthesis
// through jsii takes seconds, the assertions on its result milliseconds.
type fixture struct {
	stack       stacks.WabotStack
	template    assertions.Template
	annotations assertions.Annotations
	keyID       string // logical id of the data key
	err         error
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*fixture{}
	onces      = map[string]*sync.Once{}
)

// envFixture builds env's stack through stacks.Build, as main does, with cdk.json's context.
func envFixture(t *testing.T, env string) *fixture {
	t.Helper()
	fixturesMu.Lock()
	once, ok := onces[env]
	if !ok {
		once = &sync.Once{}
		onces[env] = once
	}
	fixturesMu.Unlock()

	once.Do(func() {
		fx := &fixture{}
		defer func() {
			if r := recover(); r != nil {
				fx.err = fmt.Errorf("building %s: %s", env, cdktest.SynthFailure(r))
			}
			fixturesMu.Lock()
			fixtures[env] = fx
			fixturesMu.Unlock()
		}()
		stack, err := stacks.Build(cdktest.NewApp(nil), env)
		if err != nil {
			fx.err = err
			return
		}
		fx.stack = stack
		fx.template = assertions.Template_FromStack(stack, nil)
		fx.annotations = assertions.Annotations_FromStack(stack)
		keys := *fx.template.FindResources(jsii.String("AWS::KMS::Key"), nil)
		for id := range keys {
			fx.keyID = id
		}
		if len(keys) != 1 {
			fx.err = fmt.Errorf("%s has %d KMS keys, want 1", env, len(keys))
		}
	})

	fixturesMu.Lock()
	fx := fixtures[env]
	fixturesMu.Unlock()
	if fx.err != nil {
		t.Fatal(fx.err)
	}
	return fx
}

// keyArn is how a resource refers to the data key in the template.
func (fx *fixture) keyArn() map[string]any {
	return map[string]any{"Fn::GetAtt": []any{fx.keyID, "Arn"}}
}

// check runs one assertion, reporting a failure as a test error instead of a panic.
func check(t *testing.T, assertion func()) {
	t.Helper()
	cdktest.Check(t, assertion)
}

// tag is one element of a CloudFormation Tags list.
func tag(key, value string) map[string]any { return map[string]any{"Key": key, "Value": value} }

// Command infra is the wabot CDK app. It synthesizes the stack of one environment, chosen with
// -c env=dev|staging|prod (dev by default), packaging the Lambda binaries that `make build`
// wrote to .build/lambda (-c lambdaAssets=<folder> to use others); see package stacks.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/stacks"
)

func main() {
	err := run()
	// Close stops the node process behind the bindings; os.Exit would skip a deferred call.
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "wabot infra:", err)
		os.Exit(1)
	}
}

func run() (err error) {
	// Constructors panic on an invalid catalog (a bad tenant id, a shared number): report it
	// as one line instead of a goroutine dump.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	app := awscdk.NewApp(nil)
	env, err := stacks.EnvFromContext(app)
	if err != nil {
		return err
	}
	if _, err := stacks.Build(app, env); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}

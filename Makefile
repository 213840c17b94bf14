# The one entry point. `make dev` runs the product locally; `make test` runs every test.
# Both install what they need first (Go modules, npm packages, the emulator's virtualenv).
SHELL := /bin/bash
.DEFAULT_GOAL := help

ENVS            ?= dev staging prod
STACK_PREFIX    := Wabot
STATICCHECK     := honnef.co/go/tools/cmd/staticcheck@v0.8.2
MODULES         := shared functions infra
FUNCTIONS       := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
LAMBDAS         := $(filter-out local,$(FUNCTIONS))
FUZZTIME        ?= 10s
GO_SOURCES      := $(shell find functions shared -name '*.go' -not -name '*_test.go' 2>/dev/null)
LAMBDA_BINS     := $(foreach f,$(LAMBDAS),.build/lambda/$(f)/bootstrap)
# The admin UI (web/admin) is built into shared/adminui/bundle/dist and embedded in the Go binaries
# that serve it (package adminui): every Go build below waits for it.
UI_SOURCES      := $(shell find web/admin/src -type f 2>/dev/null) web/admin/build.mjs
UI_DIST         := shared/adminui/bundle/dist/index.html

# The jsii runtime behind the CDK Go bindings prints a Node end-of-life banner; the CDK CLI
# must not reach for the network (notices, telemetry): there may be none.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := true
CDK := npx --no-install cdk --no-notices --no-version-reporting

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# ---- set-up -------------------------------------------------------------------------------
.PHONY: tools
tools: .venv/.installed node_modules/.installed .build/gomod ## install Go modules, npm packages and the emulator

.venv/.installed: tools/requirements.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.build/gomod: go.work $(foreach m,$(MODULES),$(m)/go.mod $(m)/go.sum)
	@mkdir -p .build
	@for m in $(MODULES); do (cd $$m && go mod download) || exit 1; done
	@touch $@

# ---- admin UI -----------------------------------------------------------------------------
.PHONY: ui
ui: $(UI_DIST) ## build the admin UI (Preact + esbuild, web/admin) into shared/adminui/bundle/dist, which the admin binary embeds

$(UI_DIST): $(UI_SOURCES) node_modules/.installed
	node web/admin/build.mjs

# ---- infrastructure -----------------------------------------------------------------------
.PHONY: synth
synth: tools $(LAMBDA_BINS) ## synthesize the CloudFormation templates of every environment into cdk.out/<env>/
	@for env in $(ENVS); do \
	  echo "synth: $$env"; \
	  $(CDK) synth -c env=$$env -o cdk.out/$$env --quiet || exit 1; \
	done

cdk.out/dev/$(STACK_PREFIX)-dev.template.json: $(shell find infra shared -name "*.go" -not -name "*_test.go" 2>/dev/null) cdk.json $(LAMBDA_BINS) | tools
	$(CDK) synth -c env=dev -o cdk.out/dev --quiet

# cfn-lint reads the templates only, so placeholder function folders are enough (as for make
# dev): every environment is synthesized into cdk.out/lint/<env>/ (cdk-nag runs too) and
# checked with the pinned cfn-lint; ignored rules are in .cfnlintrc, each with its reason.
.PHONY: cfn-lint
cfn-lint: tools ## synthesize every environment and check the templates with cfn-lint (.cfnlintrc)
	@mkdir -p .build/lambda-placeholder
	@for f in $(LAMBDAS); do mkdir -p .build/lambda-placeholder/$$f; echo "placeholder: cfn-lint reads only the template" > .build/lambda-placeholder/$$f/bootstrap; done
	@for env in $(ENVS); do \
	  echo "synth for cfn-lint: $$env"; \
	  $(CDK) synth -c env=$$env -c lambdaAssets=.build/lambda-placeholder -o cdk.out/lint/$$env --quiet || exit 1; \
	done
	.venv/bin/cfn-lint $(foreach env,$(ENVS),cdk.out/lint/$(env)/$(STACK_PREFIX)-$(env).template.json)

# Deploying needs AWS credentials for the target account and, once per account and region, the
# CDK bootstrap stack (the deploy roles and asset bucket the CLI uses):
#   npx cdk bootstrap aws://<account>/<region>
# Each environment is its own stack (Wabot-<env>); ENV picks it (dev by default). deploy asks
# before any change that widens IAM or security groups (--require-approval broadening).
.PHONY: diff deploy
diff: tools $(LAMBDA_BINS) ## show what `make deploy ENV=...` would change (needs AWS credentials)
	$(CDK) diff -c env=$(or $(ENV),dev)
deploy: tools $(LAMBDA_BINS) ## deploy one environment: make deploy ENV=dev|staging|prod (needs AWS credentials)
	$(CDK) deploy -c env=$(or $(ENV),dev) --require-approval broadening

# ---- run and test -------------------------------------------------------------------------
# The local stack reads only the tables, queues and secrets of the dev template: its Lambda
# code is the local runner itself, built from the same packages. So `make dev` synthesizes
# the dev stack with placeholder function folders instead of cross-compiling both functions,
# and builds the runner at the same time: a first run on a fresh machine is minutes shorter.
DEV_TEMPLATE := cdk.out/dev-local/$(STACK_PREFIX)-dev.template.json

$(DEV_TEMPLATE): $(shell find infra shared -name "*.go" -not -name "*_test.go" 2>/dev/null) cdk.json | tools
	@mkdir -p .build/lambda-placeholder
	@for f in $(LAMBDAS); do mkdir -p .build/lambda-placeholder/$$f; echo "placeholder: make dev runs this code in-process" > .build/lambda-placeholder/$$f/bootstrap; done
	$(CDK) synth -c env=dev -c lambdaAssets=.build/lambda-placeholder -o cdk.out/dev-local --quiet

.build/local: $(GO_SOURCES) $(UI_DIST) functions/go.mod shared/go.mod | .build/gomod
	go build -o $@ ./functions/local

.PHONY: dev
dev: tools ## run the product locally on 127.0.0.1:8080 (PORT overrides)
	@$(MAKE) --no-print-directory -j2 $(DEV_TEMPLATE) .build/local
	WABOT_TEMPLATE=$(DEV_TEMPLATE) scripts/dev.sh

.PHONY: test
test: tools lint cdk.out/dev/$(STACK_PREFIX)-dev.template.json .build/local ## run every test (and the fuzzers for FUZZTIME) against a fresh emulator
	FUZZTIME=$(FUZZTIME) scripts/with-emulator.sh scripts/test.sh

.PHONY: bench
bench: tools cdk.out/dev/$(STACK_PREFIX)-dev.template.json $(LAMBDA_BINS) ## measure the message path and write .build/bench/report.{md,json}: calls, units, cold starts, sizes, cost
	scripts/with-emulator.sh scripts/bench.sh

.PHONY: lint
lint: tools ## gofmt, go vet and staticcheck on every module
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./shared/... ./functions/... ./infra/...
	GOBIN=$(CURDIR)/.tools go install $(STATICCHECK)
	.tools/staticcheck ./shared/... ./functions/... ./infra/...
	@# Lambda binaries must never link the CDK bindings (hundreds of megabytes of jsii).
	@if go list -deps ./functions/... | grep -q 'aws-cdk-go'; then echo "functions/ depends on aws-cdk-go"; exit 1; fi

.PHONY: build
build: $(LAMBDA_BINS) ## cross-compile each Lambda function into .build/lambda/<name>/bootstrap

# provided.al2023 on Graviton: a static linux/arm64 binary named bootstrap per function.
.build/lambda/%/bootstrap: $(GO_SOURCES) $(UI_DIST) functions/go.mod shared/go.mod | .build/gomod
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $@ ./functions/$*

.PHONY: clean
clean: ## remove build output (not the installed tools)
	rm -rf cdk.out .build/lambda .build/lambda-placeholder .build/local shared/adminui/bundle/dist

.PHONY: pos
pos: ## print what a store's point of sale would receive from make dev's emulator: make pos STORE=demo-burger/vila-madalena
	@if [ -z "$(STORE)" ]; then echo "make pos: STORE is required, as <clientId>/<storeId>: make pos STORE=demo-burger/vila-madalena" >&2; exit 2; fi
	@go run ./functions/local/pos -store $(STORE)

.PHONY: provision
provision: ## do for a store created in the admin UI what deploying its TenantStore construct does (its POS queues), on make dev's stack: make provision STORE=demo-burger/pinheiros
	@if [ -z "$(STORE)" ]; then echo "make provision: STORE is required, as <clientId>/<storeId>: make provision STORE=demo-burger/pinheiros" >&2; exit 2; fi
	@code=$$(curl -sS -o /tmp/wabot-provision.json -w '%{http_code}' -X POST "http://127.0.0.1:$(or $(PORT),8080)/dev/stores/$(STORE)/provision") || exit 1; \
	  cat /tmp/wabot-provision.json; echo; rm -f /tmp/wabot-provision.json; [ "$$code" = 200 ]

.PHONY: pay
pay: ## mark an order's PIX charge paid at make dev's local payment provider, which calls the payment webhook as Asaas would: make pay ORDER=K7Q2M9XH4A [CLIENT=demo-burger] [OVERDUE=1 expires it instead]
	@if [ -z "$(ORDER)" ]; then echo "make pay: ORDER is required (the order number the bot sent): make pay ORDER=K7Q2M9XH4A" >&2; exit 2; fi
	@go run ./functions/local/pay -order '$(ORDER)' $(if $(CLIENT),-client '$(CLIENT)',) $(if $(OVERDUE),-overdue,)

.PHONY: token
token: ## print an ID token of make dev's user pool for the admin API: make token ROLE=brand-admin CLIENT=demo-burger (ROLE=platform-admin|brand-admin|brand-viewer)
	@if [ -z "$(ROLE)" ]; then echo "make token: ROLE is required (platform-admin, brand-admin, brand-viewer): make token ROLE=brand-admin CLIENT=demo-burger" >&2; exit 2; fi
	@go run ./functions/local/token -role '$(ROLE)' $(if $(CLIENT),-client '$(CLIENT)',)

# ---- load test and redrive ----------------------------------------------------------------
DURATION  ?= 2m
CUSTOMERS ?= 20
FAULTS    ?=
LOAD_ARGS ?=

.PHONY: load
load: tools ## load test the message path on a stack of its own: make load DURATION=10m CUSTOMERS=40 FAULTS=restart,twilio,poison (docs/load.md)
	@$(MAKE) --no-print-directory -j2 $(DEV_TEMPLATE) .build/local
	go build -o .build/wabot-load ./functions/local/load
	go build -o .build/twilio-local ./functions/local/twilio
	.build/wabot-load -duration $(DURATION) -customers $(CUSTOMERS) -faults '$(FAULTS)' -template $(DEV_TEMPLATE) $(LOAD_ARGS)

.PHONY: redrive
redrive: ## move the inbound dead-letter queue's messages back to the inbound queue: make redrive (make dev's emulator), ENV=dev make redrive (AWS)
	@go run ./functions/local/redrive $(if $(ENV),-aws -env $(ENV),) $(REDRIVE_ARGS)

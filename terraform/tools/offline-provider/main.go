// Command terraform-provider-aws is the schema-only offline AWS provider (see
// internal/provider). The schema JSON made by terraform/tools/schema/generate.py is embedded at
// build time: terraform/tools/lib/build-provider.sh copies this module to a scratch directory,
// adds schema.json, and builds there (no generated file lives in the source tree).
package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tfprotov5/tf5server"

	"github.com/mskctl/offline-provider/internal/provider"
)

//go:embed schema.json
var schemaJSON []byte

func main() {
	s, err := provider.ParseSchema(schemaJSON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "offline provider:", err)
		os.Exit(1)
	}
	server := provider.NewServer(s)
	if len(os.Args) > 1 && os.Args[1] == "-summary" {
		// decode every type (the server otherwise decodes them on first use) and report
		resp, _ := server.GetProviderSchema(context.Background(), &tfprotov5.GetProviderSchemaRequest{})
		for _, d := range resp.Diagnostics {
			fmt.Fprintln(os.Stderr, "offline provider:", d.Summary+":", d.Detail)
		}
		if len(resp.Diagnostics) > 0 {
			os.Exit(1)
		}
		fmt.Println(server.MarshalSchemaSummary())
		return
	}
	if err := tf5server.Serve("registry.terraform.io/hashicorp/aws", func() tfprotov5.ProviderServer { return server }); err != nil {
		fmt.Fprintln(os.Stderr, "offline provider:", err)
		os.Exit(1)
	}
}

"""End-to-end: the real Terraform AWS provider against the real binary — apply, a refresh that
must show no changes (nothing Terraform set is dropped), an update, destroy — for SQS queues with
a dead-letter queue, an event bus, a rule, targets (a queue with a DeadLetterConfig, an API
destination), a bus permission, a connection and an API destination (terraform/main.tf).

Needs `terraform` and the hashicorp/aws provider in a local filesystem mirror
(CXBRIDGE_TF_PLUGINS, default /opt/tf-plugins); skipped with a message otherwise, since neither
is a Debian package. Nothing is downloaded: the provider is taken from the mirror only.
"""
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

from harness import Gateway

TERRAFORM = shutil.which("terraform")
PLUGINS = os.environ.get("CXBRIDGE_TF_PLUGINS", "/opt/tf-plugins")
PROVIDER = os.path.join(PLUGINS, "registry.terraform.io", "hashicorp", "aws")
HERE = os.path.dirname(os.path.abspath(__file__))


@unittest.skipIf(TERRAFORM is None, "terraform is not installed")
@unittest.skipIf(not os.path.isdir(os.path.join(PROVIDER, "5.100.0")),
                 f"no hashicorp/aws 5.100.0 provider in the filesystem mirror {PLUGINS}")
class TerraformTest(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway("delivery: {backoff_base_ms: 20, backoff_max_ms: 200}\n").start()
        self.dir = tempfile.mkdtemp(prefix="cxb-tf-")
        shutil.copy(os.path.join(HERE, "terraform", "main.tf"), self.dir)
        rc = os.path.join(self.dir, "cli.tfrc")
        with open(rc, "w") as f:
            f.write('provider_installation {\n  filesystem_mirror {\n    path = "%s"\n'
                    '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
                    '  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }\n}\n' % PLUGINS)
        self.env = dict(os.environ, TF_CLI_CONFIG_FILE=rc, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                        TF_VAR_endpoint=f"http://127.0.0.1:{self.gw.port}",
                        TF_VAR_suffix=uuid.uuid4().hex[:6])

    def tearDown(self):
        self.gw.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def tf(self, *args, ok=(0,)):
        r = subprocess.run([TERRAFORM, *args, "-input=false", "-no-color"], cwd=self.dir, env=self.env,
                           capture_output=True, text=True, timeout=600)
        self.assertIn(r.returncode, ok, f"terraform {' '.join(args)}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")
        return r

    def test_apply_refresh_update_destroy(self):
        self.tf("init")
        self.tf("apply", "-auto-approve")
        # A refresh that finds exactly what was applied: no permanent diff.
        plan = self.tf("plan", "-detailed-exitcode")
        self.assertIn("No changes.", plan.stdout)
        update = self.tf("apply", "-auto-approve", "-var", "description=updated")
        self.assertIn("0 added, 4 changed, 0 destroyed", update.stdout)
        destroy = self.tf("destroy", "-auto-approve", "-var", "description=updated")
        self.assertIn("Resources: 9 destroyed", destroy.stdout)


if __name__ == "__main__":
    unittest.main()

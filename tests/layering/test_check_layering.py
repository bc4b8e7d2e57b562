"""The layering checker (scripts/check-layering) on the real tree and on
small trees made here: an include pointing the wrong way must fail it."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "..", "..", "scripts", "check-layering")
SRC = os.path.join(HERE, "..", "..", "src")

LAYERS = """# test layers
common:
store: common
ca: common store
web: common
"""


def run(src):
    return subprocess.run([sys.executable, CHECKER, src], capture_output=True, text=True)


class CheckLayering(unittest.TestCase):
    def tree(self, files, layers=LAYERS):
        root = tempfile.mkdtemp(prefix="tugra-layers-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", root]))
        with open(os.path.join(root, "layers.txt"), "w") as f:
            f.write(layers)
        for module in ("common", "store", "ca", "web"):
            os.makedirs(os.path.join(root, module), exist_ok=True)
        for path, text in files.items():
            with open(os.path.join(root, path), "w") as f:
                f.write(text)
        return root

    def test_the_real_tree_is_clean(self):
        result = run(SRC)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("every include allowed", result.stdout)

    def test_allowed_includes_pass(self):
        root = self.tree({"ca/a.cpp": '#include "store/x.hpp"\n#include "common/y.hpp"\n#include "ca/z.hpp"\n'
                                      '#include <vector>\n'})
        self.assertEqual(run(root).returncode, 0)

    def test_web_including_ca_fails_and_names_the_line(self):
        root = self.tree({"web/portal.cpp": '#include "common/y.hpp"\n\n#include "ca/authority.hpp"\n'})
        result = run(root)
        self.assertEqual(result.returncode, 1)
        self.assertIn("web/portal.cpp:3: web may not include ca/", result.stdout)
        self.assertIn("it may include: common", result.stdout)

    def test_an_upward_include_fails(self):
        root = self.tree({"store/s.hpp": '  #  include "ca/authority.hpp"\n'})
        result = run(root)
        self.assertEqual(result.returncode, 1)
        self.assertIn("store may not include ca/", result.stdout)

    def test_a_module_missing_from_the_layers_file_fails(self):
        root = self.tree({})
        os.makedirs(os.path.join(root, "agent"))
        result = run(root)
        self.assertEqual(result.returncode, 2)
        self.assertIn("agent", result.stderr)

    def test_a_dependency_on_no_module_fails(self):
        root = self.tree({}, layers=LAYERS + "sign: common nowhere\n")
        os.makedirs(os.path.join(root, "sign"))
        result = run(root)
        self.assertEqual(result.returncode, 2)
        self.assertIn("nowhere", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)

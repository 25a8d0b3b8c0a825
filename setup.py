"""Package layout that pyproject.toml cannot express: the contract suite's folder `contract_tests/` is
installed as `malomo_contract` (a name no other project's `contract_tests` folder can shadow).

Everything else (metadata, dependencies, package data) is in pyproject.toml.
"""

from setuptools import find_packages, setup

PACKAGE_ROOTS = {"src": ("malomo", "malomo_mock"), "generated": ("malomo_client",)}
CONTRACT_SUITE = {"malomo_contract": "contract_tests"}

package_dir = dict(CONTRACT_SUITE)
for folder, names in PACKAGE_ROOTS.items():
    for package in find_packages(
        folder, include=[pattern for name in names for pattern in (name, f"{name}.*")]
    ):
        package_dir[package] = f"{folder}/{package.replace('.', '/')}"

setup(packages=sorted(package_dir), package_dir=package_dir)

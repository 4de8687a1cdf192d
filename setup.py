"""Which packages the wheel holds; everything else is in pyproject.toml.

pyproject.toml can find packages or list them, not both, and the top-level ``datasette/``
directory (metadata.yml, templates, plugins, static files) must be installed under another name:
``datasette`` is the Datasette package itself. So the packages are found here, as
``[tool.setuptools.packages.find]`` did, and ``datasette/`` is added as ``pantau_datasette``
(package data only, found at run time by :func:`pantau.config.datasette_dir`).

Left out: ``extract/gold_national/``, the blind national round, read only by the tests. The
``extract/gold/`` corpus stays: ``pantau eval`` scores it by default and its floors
(``baseline.json``, ``clean_baseline.json``) are read by ``pantau eval`` and ``eval --clean``.
"""

from setuptools import find_namespace_packages, setup

CONFIG_PACKAGE = "pantau_datasette"
NOT_PACKAGES = ["*__pycache__*"]

setup(
    packages=[
        *find_namespace_packages(
            include=["crawler*", "extract*", "kb*", "pantau*", "wilayah*"],
            exclude=["extract.gold_national", "extract.gold_national.*", *NOT_PACKAGES],
        ),
        CONFIG_PACKAGE,
        *(f"{CONFIG_PACKAGE}.{sub}" for sub in find_namespace_packages("datasette", NOT_PACKAGES)),
    ],
    package_dir={CONFIG_PACKAGE: "datasette"},
)

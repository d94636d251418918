"Packaging for flan_nb: reads settings.ini (the nbdev 2 convention). No pkg_resources (gone in setuptools >= 82)."
from configparser import ConfigParser
from pathlib import Path
import shlex
from setuptools import find_packages, setup

cfg = ConfigParser(delimiters=["="])
cfg.read(Path(__file__).with_name("settings.ini"), encoding="utf-8")
cfg = cfg["DEFAULT"]

licenses = {"apache2": ("Apache Software License 2.0", "OSI Approved :: Apache Software License")}
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable", "6 - Mature", "7 - Inactive"]
lic = licenses[cfg["license"]]
req = shlex.split(cfg.get("requirements", ""))
dev_req = shlex.split(cfg.get("dev_requirements", ""))
readme = Path(__file__).with_name("README.md")

setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=readme.read_text(encoding="utf-8") if readme.exists() else cfg["description"],
    long_description_content_type="text/markdown",
    author=cfg["author"],
    author_email=cfg["author_email"],
    url=cfg["git_url"],
    license=lic[0],
    classifiers=[f"Development Status :: {statuses[int(cfg['status'])]}", f"Intended Audience :: {cfg['audience']}",
                 f"License :: {lic[1]}", f"Natural Language :: {cfg['language']}",
                 f"Programming Language :: Python :: 3 :: Only"],
    keywords=cfg["keywords"].split(),
    python_requires=f">={cfg['min_python']}",
    packages=find_packages(include=["flan_nb", "flan_nb.*"]),
    include_package_data=True,
    install_requires=req,
    extras_require={"dev": dev_req},
    entry_points={"console_scripts": cfg["console_scripts"].split(), "nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)

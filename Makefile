# S-QUBED companion. `make` sets up .venv and runs every notebook on the default
# profile; `make test` sets up .venv and runs the test suite. `make help` lists targets.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PROFILE ?= default
# A Papermill parameters file (YAML) for every notebook, e.g. the paper profile's
# models and manifest: make PROFILE=paper PARAMS=my_paper.yaml (see configs/paper.example.yaml)
PARAMS  ?=
PM_ARGS := --cwd notebooks --log-level WARNING $(if $(PARAMS),-f $(abspath $(PARAMS))) -p profile $(PROFILE)
OUT     := output/$(PROFILE)
SETUP   := $(VENV)/.installed

# Notebooks run in numeric order; each one's sentinel (its executed copy under
# output/<profile>/) depends on the previous one's.
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
EXECUTED  := $(patsubst notebooks/%.ipynb,$(OUT)/%.ipynb,$(NOTEBOOKS))

.DEFAULT_GOAL := all
.PHONY: all setup notebooks figures tiny study course book student train sync test check results bench lab lock clean help FORCE

all: setup notebooks ## Set up .venv, then run every notebook on the default profile (figures -> figures/)

setup: $(SETUP) ## Create .venv and install the pinned requirements and the package (editable)

$(SETUP): requirements.txt requirements-lock.txt requirements-nodeps.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c requirements-lock.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	# git diff / merge of .ipynb files through nbdime (.gitattributes), in this clone only; the drivers are named by
	# their path in .venv so that git finds them without an activated venv (skipped outside a git checkout)
	if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config diff.jupyternotebook.command "$(CURDIR)/$(VENV)/bin/git-nbdiffdriver diff" && \
	  git config merge.jupyternotebook.driver "$(CURDIR)/$(VENV)/bin/git-nbmergedriver merge %O %A %B %L %P" && \
	  git config merge.jupyternotebook.name "jupyter notebook merge driver (nbdime)"; fi
	touch $@

notebooks: $(EXECUTED) ## Run every notebook on PROFILE (default: default) with Papermill

figures: $(SETUP) ## Re-draw every figure: re-run, in order and from the cache, every notebook that saves one (PROFILE)
	@mkdir -p $(OUT)
	@for nb in $$($(PY) -m squbed_utils.figure_index notebooks); do \
	  echo "$$nb"; \
	  $(PY) -m papermill $(PM_ARGS) notebooks/$$nb $(OUT)/$$nb.part.ipynb && mv $(OUT)/$$nb.part.ipynb $(OUT)/$$nb || exit 1; \
	done

# make figures/NAME.png: re-run the notebook that draws NAME (default profile; seconds to minutes, from the cache)
figures/%.png: $(SETUP) FORCE
	@mkdir -p $(OUT)
	@nb=$$($(PY) -m squbed_utils.figure_index notebook-of $*) && echo "$$nb draws $*" && \
	  $(PY) -m papermill $(PM_ARGS) notebooks/$$nb $(OUT)/$$nb.part.ipynb && mv $(OUT)/$$nb.part.ipynb $(OUT)/$$nb

FORCE:

tiny: ## Run every notebook on the tiny profile (seconds; what the tests use)
	$(MAKE) notebooks PROFILE=tiny

study: ## Run every notebook on the study profile: the default world with n = m = 20, for the sweeps of 08-10 (long; see README)
	$(MAKE) notebooks PROFILE=study

course: ## Run notebooks 01-07, the course's units, on the tiny profile (under 2 min on a 2-core laptop; see docs/course.md)
	$(MAKE) notebooks NOTEBOOKS="$(wordlist 1,7,$(NOTEBOOKS))" PROFILE=tiny

book: notebooks ## Build the HTML book of PROFILE's executed notebooks (README as front page) into book/PROFILE/
	$(PY) -m squbed_utils.book --profile $(PROFILE)

student: $(SETUP) ## Write the student copy of the notebooks (exercises kept, solutions removed) to student/
	$(PY) -m squbed_utils.course.student student

train: $(SETUP) ## Retrain the toy video models (with their knowledge ladders) and toy CLIPs of default and tiny (about 18 min); refresh models/
	$(PY) scripts/train_toy_generator.py --profile default
	$(PY) scripts/train_toy_generator.py --profile tiny
	$(PY) scripts/train_toy_clip.py --profile default
	$(PY) scripts/train_toy_clip.py --profile tiny

# One rule per notebook, chained so that stage k runs after stage k-1.
define notebook_rule
$(OUT)/$(notdir $(1)): $(1) $(2) $(SETUP) $(wildcard squbed_utils/*.py squbed_utils/*/*.py models/*/*/* models/*/*/*/*)
	@mkdir -p $(OUT)
	$(PY) -m papermill $(PM_ARGS) $(1) $$@.part.ipynb
	mv $$@.part.ipynb $$@
endef
$(foreach i,$(shell seq 1 $(words $(NOTEBOOKS))),$(eval $(call notebook_rule,$(word $(i),$(NOTEBOOKS)),$(if $(filter 1,$(i)),,$(word $(shell expr $(i) - 1),$(EXECUTED))))))

sync: $(SETUP) ## Bring each notebook and its py:percent text (notebooks/NN_name.py) in step, whichever was edited last
	$(PY) -m jupytext --sync notebooks/[0-9][0-9]_*.ipynb

test: $(SETUP) ## Run the test suite (unit, property and notebook tests)
	$(PY) -m pytest -n 2 --dist loadfile -q

check: $(SETUP) ## Compare this run's tables (artifacts/PROFILE) with the committed reference (results/PROFILE); EXACT=1 for a same-machine rerun
	$(PY) -m squbed_utils.reference --profile $(PROFILE) $(if $(EXACT),--exact)

results: $(SETUP) ## Make this run's tables the committed reference (results/PROFILE) and rewrite the README's numbers from them
	$(PY) -m squbed_utils.reference --profile $(PROFILE) --update

bench: $(SETUP) ## Print speed benchmarks (vMF core, toy generator, embedders, seconds per pipeline stage, Ray speed-up)
	$(PY) benchmarks/run.py

lab: $(SETUP) ## Open JupyterLab on notebooks/
	$(PY) -m jupyter lab notebooks

lock: $(SETUP) ## Re-resolve requirements-lock.txt from requirements.txt
	{ echo "# Full resolved environment (pip freeze), used as constraints by 'make setup'."; \
	  echo "# Regenerate with 'make lock' after changing requirements.txt."; \
	  $(PY) -m pip freeze --all --exclude-editable | sed 's/+cpu$$//' \
	    | grep -v -i -E '^(pip|wheel)==' \
	    | grep -v -i -E "^($$(sed -n 's/==.*//p' requirements-nodeps.txt | paste -sd'|' -))=="; } > requirements-lock.txt

clean: ## Remove executed notebooks, trained models and every cached result (keeps .venv and figures/)
	rm -rf output artifacts

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

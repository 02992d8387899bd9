# art.mk - the agent targets of a project's Makefile (seed 001, 8.1).
#
#   include /usr/local/share/art/art.mk      # make install puts it in $(SHAREDIR)
#
#   make agent-start       AGENT=tom TICKET=T-1 [BASE=main]   # worktree, branch, manifest
#   make agent-prompt      AGENT=tom TICKET=T-1               # the agent's instructions, as text
#   make agent-run         AGENT=tom TICKET=T-1 CMD='make test'   # CMD in the run's cage
#   make agent-scope-check AGENT=tom TICKET=T-1               # fails on a scope violation
#   make agent-close       AGENT=tom TICKET=T-1 [SUMMARY='...']   # DoD, REPORT.md, signed receipt
#
# ART is the art program (default: art, found in PATH).  Each target is a
# thin wrapper around one art command, which checks AGENT and TICKET
# itself (a bad id is its exit 3, shown by make as "Error 3"; make itself
# then exits 2, as for any failed recipe).
#
# CMD is a shell command line, handed whole to sh -c inside the cage:
# it is split by that shell, as a recipe line is, so quotes, pipes and
# && work, and every part of it runs in the cage, none on the host.
#
# A variable given on make's command line or in the environment is taken
# as written: make does not expand it, so TICKET='$(shell ...)' is a bad
# ticket id for art to refuse, not a function for make to run, and
# CMD='echo $HOME' means $HOME, not $$HOME.  Values set in the including
# Makefile are expanded as usual.  The values reach the recipes in the
# environment, as ART_MK_AGENT and so on, each used as "$ART_MK_AGENT":
# the shell never parses them, whatever they hold (quotes, ;, $(...),
# newlines).  AGENT, TICKET and the rest themselves are not exported: make
# would expand a command-line value to put it in the environment.

ifndef art_mk_included
art_mk_included := 1

ART ?= art

# Keep the includer's default goal: including this file first must not
# make agent-start what a bare "make" runs.
art_mk_goal := $(.DEFAULT_GOAL)

# $(call art_mk_raw,NAME): the value of NAME, unexpanded when it came from
# the command line or the environment (the first word of its origin is
# then "command" or "environment").  Make expands a variable once: what
# this returns is not expanded again, here or when it is exported.
art_mk_raw = $(if $(filter command environment,$(firstword $(origin $1))),$(value $1),$($1))
# $(call art_mk_need,TARGET,NAMES): stop, naming the first of NAMES that is
# empty, before the target runs anything.
art_mk_need = $(foreach v,$2,$(if $(strip $(call art_mk_raw,$v)),,$(error $v is not set: make $1 AGENT=tom TICKET=T-1$(if $(filter CMD,$2), CMD='make test'))))
# $(call art_mk_opt,NAME,FLAG): FLAG and the value of NAME, when it is set.
art_mk_opt = $(if $(strip $(call art_mk_raw,$1)), $2 "$$ART_MK_$1")

art_mk_targets := agent-start agent-prompt agent-run agent-scope-check agent-close

unexport ART AGENT TICKET BASE CMD SUMMARY
$(art_mk_targets): export ART_MK_ART = $(call art_mk_raw,ART)
$(art_mk_targets): export ART_MK_AGENT = $(call art_mk_raw,AGENT)
$(art_mk_targets): export ART_MK_TICKET = $(call art_mk_raw,TICKET)
agent-start: export ART_MK_BASE = $(call art_mk_raw,BASE)
agent-run: export ART_MK_CMD = $(call art_mk_raw,CMD)
agent-close: export ART_MK_SUMMARY = $(call art_mk_raw,SUMMARY)

art_mk_run = "$$ART_MK_ART" $1 --agent "$$ART_MK_AGENT" --ticket "$$ART_MK_TICKET"

agent-start:
	$(call art_mk_need,$@,AGENT TICKET)
	$(call art_mk_run,start)$(call art_mk_opt,BASE,--base)

# Quiet: the prompt alone on stdout, to paste or pipe.
agent-prompt:
	$(call art_mk_need,$@,AGENT TICKET)
	@$(call art_mk_run,prompt) -r

agent-run:
	$(call art_mk_need,$@,AGENT TICKET CMD)
	$(call art_mk_run,vm run) -- sh -c "$$ART_MK_CMD"

agent-scope-check:
	$(call art_mk_need,$@,AGENT TICKET)
	$(call art_mk_run,scope-check)

agent-close:
	$(call art_mk_need,$@,AGENT TICKET)
	$(call art_mk_run,close)$(call art_mk_opt,SUMMARY,--summary)

.PHONY: $(art_mk_targets)

.DEFAULT_GOAL := $(art_mk_goal)

endif

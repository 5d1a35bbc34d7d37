/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running the shared scenarios (ring_scenario.h) on real KVM as the cases of
 * a selftest: one KTAP case per scenario and guest privilege level, judged
 * by the one checker, the same scenarios the model and its mutants run.
 */
#ifndef SELFTEST_KVM_KVM_SCENARIOS_H
#define SELFTEST_KVM_KVM_SCENARIOS_H

#include "test_case.h"

/* Fill cases[] with one guest case per named scenario; returns how many. */
unsigned int kvm_scenario_cases(const char *const *names, unsigned int nr_names,
				struct test_case *cases);

#endif /* SELFTEST_KVM_KVM_SCENARIOS_H */

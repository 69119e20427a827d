/* check_probe.c - what pmstat learns of the kernel it runs on */
#include "config.h"

#include <check.h>
#include <sys/utsname.h>

#include "probe.h"
#include "checkrun.h"

static const struct {
	const char	*release;
	bool		 before_6_11;
} releases[] = {
	{ "6.1.0-28-amd64", true },
	{ "6.10.14", true },
	{ "6.11", false },
	{ "6.11.0-rc1", false },
	{ "6.18.44-fc-v1045", false },
	{ "5.15.0-91-generic", true },
	{ "7.0.0", false },
	{ "10.1", false },
	{ "", true },			/* unparsable: the careful answer */
	{ "6", true },
	{ "6.", true },
	{ "x.y", true },
};

START_TEST(test_release_before)
{
	ck_assert_msg(probe_release_before(releases[_i].release, 6, 11) ==
	    releases[_i].before_6_11, "'%s'", releases[_i].release);
}
END_TEST

/* The probe of our own pages agrees with the release it names. */
START_TEST(test_probe_self)
{
	struct probe p;
	struct utsname u;

	ck_assert_int_eq(probe_self(&p), 0);
	ck_assert_int_eq(uname(&u), 0);
	ck_assert(p.excl_by_head == probe_release_before(u.release, 6, 11));
	/* No zero page is seen where PFNs are hidden. */
	if (!p.pfn_visible)
		ck_assert_uint_eq(p.zero_pfn, 0);
}
END_TEST

static Suite *
probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("probe");

	tcase_add_loop_test(tc, test_release_before, 0,
	    sizeof(releases) / sizeof(releases[0]));
	tcase_add_test(tc, test_probe_self);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(probe_suite(), CK_NORMAL);
}

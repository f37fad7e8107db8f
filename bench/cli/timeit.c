/*-------------------------------------------------------------------------
 *
 * timeit.c
 *	  Run one command and record how long it took, from just before its
 *	  process is created to just after it has exited, with CLOCK_MONOTONIC.
 *
 *	  timeit RESULT_FILE COMMAND [ARG...]
 *
 * Appends one line to RESULT_FILE:
 *
 *	  <elapsed ns> <user+system CPU us> <peak RSS kB> <exit status>
 *
 * CPU and peak RSS come from wait4(), so they cover the command and every
 * descendant it waited for (a shell loop of psql processes counts them all).
 * The command's stdin, stdout and stderr are this program's; timeit exits
 * with the command's status (128 + signal if it was killed).
 *
 * A helper of bench/cli/run.sh, built by it with cc: hyperfine is not
 * available, and forking date(1) around each run costs milliseconds, which
 * matters for the no-op runs.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
elapsed_ns(const struct timespec *from, const struct timespec *to)
{
	return (long long) (to->tv_sec - from->tv_sec) * 1000000000LL +
		(to->tv_nsec - from->tv_nsec);
}

static long long
cpu_us(const struct rusage *ru)
{
	return (long long) (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000LL +
		ru->ru_utime.tv_usec + ru->ru_stime.tv_usec;
}

int
main(int argc, char **argv)
{
	struct timespec start,
				end;
	struct rusage ru;
	FILE	   *result;
	pid_t		pid;
	int			status;
	int			exit_code;

	if (argc < 3)
	{
		fprintf(stderr, "usage: timeit RESULT_FILE COMMAND [ARG...]\n");
		return 2;
	}
	/* Opened before the clock starts, and before the command can run. */
	result = fopen(argv[1], "a");
	if (result == NULL)
	{
		fprintf(stderr, "timeit: cannot open \"%s\": %s\n", argv[1], strerror(errno));
		return 2;
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid < 0)
	{
		fprintf(stderr, "timeit: fork failed: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0)
	{
		execvp(argv[2], argv + 2);
		fprintf(stderr, "timeit: cannot run \"%s\": %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
	{
		if (errno != EINTR)
		{
			fprintf(stderr, "timeit: wait4 failed: %s\n", strerror(errno));
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &end);

	exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(result, "%lld %lld %ld %d\n", elapsed_ns(&start, &end), cpu_us(&ru),
			ru.ru_maxrss, exit_code);
	if (fclose(result) != 0)
	{
		fprintf(stderr, "timeit: cannot write \"%s\": %s\n", argv[1], strerror(errno));
		return 2;
	}
	return exit_code;
}

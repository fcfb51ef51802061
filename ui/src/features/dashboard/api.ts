// The dashboard's figures and the caller's open tasks.
import { useQueries, useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import type { DashboardMetrics, Page, Task, Uuid } from '../../lib/types';

export const dashboardKeys = {
  all: ['dashboard'] as const,
  metrics: () => [...dashboardKeys.all, 'metrics'] as const,
  myTasks: (userId: Uuid, status: 'open' | 'in_progress') =>
    [...dashboardKeys.all, 'my-tasks', userId, status] as const,
};

export const MY_TASKS_LIMIT = 50;

export function useDashboardMetrics() {
  return useQuery({
    queryKey: dashboardKeys.metrics(),
    queryFn: ({ signal }) => api<DashboardMetrics>('/dashboard/metrics', { signal }),
  });
}

/** Tasks not yet done sort by due date (the soonest first, those without one last). */
export function sortByDue(tasks: readonly Task[]): Task[] {
  return [...tasks].sort((a, b) => {
    if (a.due_date && b.due_date) return a.due_date.localeCompare(b.due_date) || a.title.localeCompare(b.title);
    if (a.due_date) return -1;
    if (b.due_date) return 1;
    return a.title.localeCompare(b.title);
  });
}

/**
 * The caller's tasks that are open or in progress. The API filters one status at a time,
 * so this is two requests, merged.
 */
export function useMyOpenTasks(userId: Uuid) {
  return useQueries({
    queries: (['open', 'in_progress'] as const).map((status) => ({
      queryKey: dashboardKeys.myTasks(userId, status),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        api<Page<Task>>('/tasks', {
          query: { assignee_id: userId, status, sort: 'due_date', page_size: MY_TASKS_LIMIT },
          signal,
        }),
    })),
    combine: (results) => {
      const failed = results.find((r) => r.isError);
      const data = results.every((r) => r.data)
        ? {
            tasks: sortByDue(results.flatMap((r) => r.data?.items ?? [])),
            total: results.reduce((n, r) => n + (r.data?.total ?? 0), 0),
          }
        : undefined;
      return {
        data,
        isPending: results.some((r) => r.isPending),
        error: failed?.error ?? null,
        refetch: () => {
          for (const r of results) void r.refetch();
        },
      };
    },
  });
}

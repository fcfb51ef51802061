// Tasks' server state: a page of the filtered list, the users and deals the filters
// and the form offer, and the mutations.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryKey } from '@tanstack/react-query';
import { ApiError, api, errorMessage } from '../../lib/api';
import type { Deal, Page, Task, TaskStatus, User } from '../../lib/types';
import { useToast } from '../../components/Toast';
import type { TaskFilters } from './filters';
import { taskApiQuery } from './filters';

export const taskKeys = {
  all: ['tasks'] as const,
  lists: () => [...taskKeys.all, 'list'] as const,
  list: (f: TaskFilters, meId: string) => [...taskKeys.lists(), f, meId] as const,
  userOptions: () => [...taskKeys.all, 'user-options'] as const,
  dealOptions: () => [...taskKeys.all, 'deal-options'] as const,
};

export function useTaskList(f: TaskFilters, meId: string) {
  return useQuery({
    queryKey: taskKeys.list(f, meId),
    queryFn: ({ signal }) => api<Page<Task>>('/tasks', { query: taskApiQuery(f, meId), signal }),
    placeholderData: keepPreviousData,
  });
}

export interface Option {
  value: string;
  label: string;
}

/** The organization's users, for "Assignee" (first 100, by name). */
export function useUserOptions() {
  return useQuery({
    queryKey: taskKeys.userOptions(),
    queryFn: async ({ signal }) => {
      const res = await api<Page<User>>('/users', { query: { page_size: 100 }, signal });
      return res.items
        .filter((u) => u.active !== false)
        .map((u) => ({ value: u.id, label: `${u.first_name} ${u.last_name}`.trim() || u.email }))
        .sort((a, b) => a.label.localeCompare(b.label));
    },
    staleTime: 5 * 60_000,
  });
}

/** The organization's deals, for "Deal" (first 100, by name). */
export function useDealOptions() {
  return useQuery({
    queryKey: taskKeys.dealOptions(),
    queryFn: async ({ signal }) => {
      const res = await api<Page<Deal>>('/deals', { query: { page_size: 100 }, signal });
      return res.items.map((d) => ({ value: d.id, label: d.name })).sort((a, b) => a.label.localeCompare(b.label));
    },
    staleTime: 60_000,
  });
}

export interface TaskInput {
  title: string;
  deal_id: string | null;
  assignee_id: string | null;
  due_date: string | null;
  status: TaskStatus;
}

const etagOf = (t: Pick<Task, 'version'>) => `"v${t.version}"`;

export function useCreateTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: TaskInput) => api<Task>('/tasks', { method: 'POST', body: input }),
    onSettled: () => qc.invalidateQueries({ queryKey: taskKeys.lists() }),
  });
}

export function useUpdateTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ task, input }: { task: Task; input: Partial<TaskInput> }) =>
      api<Task>(`/tasks/${task.id}`, { method: 'PATCH', body: input, ifMatch: etagOf(task) }),
    onSettled: () => qc.invalidateQueries({ queryKey: taskKeys.lists() }),
  });
}

export function useDeleteTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (task: Task) => api<void>(`/tasks/${task.id}`, { method: 'DELETE' }),
    onSettled: () => qc.invalidateQueries({ queryKey: taskKeys.lists() }),
  });
}

/** The words for a status change the server refused. */
export function statusFailureMessage(err: unknown, title: string): string {
  if (err instanceof ApiError && err.status === 412) {
    return `Someone else changed "${title}" — the list has been refreshed`;
  }
  return `"${title}" could not be updated: ${errorMessage(err)}`;
}

/** Done / not done at once in every cached list; put back with a toast if refused. */
export function useSetTaskStatus() {
  const qc = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: ({ task, status }: { task: Task; status: TaskStatus }) =>
      api<Task>(`/tasks/${task.id}`, { method: 'PATCH', body: { status }, ifMatch: etagOf(task) }),
    onMutate: async ({ task, status }) => {
      await qc.cancelQueries({ queryKey: taskKeys.lists() });
      const snapshot = qc.getQueriesData<Page<Task>>({ queryKey: taskKeys.lists() });
      qc.setQueriesData<Page<Task>>({ queryKey: taskKeys.lists() }, (page) =>
        page ? { ...page, items: page.items.map((t) => (t.id === task.id ? { ...t, status } : t)) } : page,
      );
      return { snapshot };
    },
    onError: (err, { task }, ctx) => {
      ctx?.snapshot.forEach(([key, data]: [QueryKey, Page<Task> | undefined]) => qc.setQueryData<Page<Task>>(key, data));
      toast.error(statusFailureMessage(err, task.title));
    },
    onSuccess: (saved) => {
      qc.setQueriesData<Page<Task>>({ queryKey: taskKeys.lists() }, (page) =>
        page ? { ...page, items: page.items.map((t) => (t.id === saved.id ? saved : t)) } : page,
      );
    },
    onSettled: () => qc.invalidateQueries({ queryKey: taskKeys.lists() }),
  });
}

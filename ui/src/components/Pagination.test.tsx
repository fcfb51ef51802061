import { render, screen } from '@testing-library/react';
import { Pagination } from './Pagination';

describe('Pagination', () => {
  it('shows the exact total and the page count', () => {
    render(<Pagination page={3} pageSize={20} total={157} onPage={() => {}} />);
    expect(screen.getByText('41–60 of 157')).toBeInTheDocument();
    expect(screen.getByText('Page 3 of 8')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Next/ })).toBeEnabled();
  });

  it('says "more than" for a bounded total and follows next_cursor for Next', () => {
    const { rerender } = render(
      <Pagination page={51} pageSize={20} total={1000} totalExact={false} hasNext items={20} onPage={() => {}} />,
    );
    expect(screen.getByText('1,001–1,020 of more than 1,000')).toBeInTheDocument();
    expect(screen.getByText('Page 51')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Next/ })).toBeEnabled();
    rerender(<Pagination page={60} pageSize={20} total={1000} totalExact={false} hasNext={false} items={7} onPage={() => {}} />);
    expect(screen.getByText('1,181–1,187 of more than 1,000')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Next/ })).toBeDisabled();
  });
});

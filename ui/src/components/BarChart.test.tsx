import { render } from '@testing-library/react';
import { BarChart } from './BarChart';

describe('BarChart', () => {
  it('draws one bar per entry, scaled to the largest, with its count', () => {
    const { container } = render(
      <BarChart
        bars={[
          { key: 'a', label: 'Sourcing', value: 4 },
          { key: 'b', label: 'Won', value: 1 },
          { key: 'c', label: 'Lost', value: 0 },
        ]}
      />,
    );
    const bars = [...container.querySelectorAll<HTMLElement>('.bar-chart-bar')];
    expect(bars.map((b) => b.style.width)).toEqual(['100%', '25%', '0%']);
    expect([...container.querySelectorAll('.bar-chart-value')].map((v) => v.textContent)).toEqual(['4', '1', '0']);
    expect(container.firstElementChild).toHaveAttribute('aria-hidden', 'true');
  });

  it('copes with nothing to show', () => {
    const { container } = render(<BarChart bars={[{ key: 'a', label: 'Sourcing', value: 0 }]} />);
    expect(container.querySelector<HTMLElement>('.bar-chart-bar')!.style.width).toBe('0%');
  });
});

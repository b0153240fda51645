/** HTTP headers of a request as a two-column table (name, value). */
export function HeaderTable({ headers }: { headers: Record<string, string> }) {
  return (
    <table className="header-table" aria-label="Request headers">
      <tbody>
        {Object.entries(headers).map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>
              <code>{value}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

-- UTF-16 from a Windows editor
INSERT INTO words VALUES (3, 'naïve'), (4, 'Ελλάδα'), (5, '😀');
